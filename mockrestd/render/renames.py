"""Fields that a version spells or shapes differently from v0.0.44, the engine's vocabulary: one table.

Most differences between versions are fields added or removed, which the schema walk handles by itself;
only real renames and reshapes need an entry here."""

from __future__ import annotations


def _ping_v45(record: dict) -> dict:
    """v0.0.45 replaced `pinged`/`mode` of a controller ping by `status`, the text of the ping's result
    ("No error", "Protocol authentication error"): from the engine, or from `pinged` when it gives none."""
    if "status" not in record and "pinged" in record:
        record = dict(record, status="No error" if record["pinged"] == "UP" else record["pinged"])
    return record


def _dbd_ping_v45(record: dict) -> dict:
    """v0.0.45's slurmdbd ping has a `status` text too: "No error" while it answers."""
    if "status" not in record:
        record = dict(record, status="No error" if record.get("responding", True) else "")
    return record


# version -> schema name suffix -> adapter(record) -> record
TABLE: dict[str, dict[str, object]] = {
    "v0.0.45": {"controller_ping": _ping_v45, "slurmdbd_ping": _dbd_ping_v45},
}


def renamed(version: str, schema_name: str | None):
    """The adapter for a schema of a version, or None (the common case, so no cost per record)."""
    if not schema_name:
        return None
    for suffix, fn in TABLE.get(version, {}).items():
        if schema_name == f"{version}_{suffix}":
            return fn
    return None
