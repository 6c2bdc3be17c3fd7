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


def _partition_v38(out: dict, record: dict) -> dict:
    """22.05.8 writes the partition's minimum node count as `min nodes per job` (its spec says
    `min_nodes_per_job`)."""
    return {("min nodes per job" if k == "min_nodes_per_job" else k): v for k, v in out.items()}


def _node_v38(out: dict, record: dict) -> dict:
    """22.05.8 writes three node keys its spec does not declare: `comment`, `extra` (strings) and
    `last_busy` (a time)."""
    busy = record.get("last_busy")
    busy = busy.get("number", 0) if isinstance(busy, dict) else busy
    return dict(out, comment=record.get("comment") or "", extra=record.get("extra") or "",
                last_busy=int(busy or 0))


def _job_v38(out: dict, record: dict) -> dict:
    """22.05.8's job record: exit codes are plain numbers (the engine's are v0.0.44 objects), and it writes
    `group_name`, `prefer` and `tasks_per_node`, which its spec does not declare."""
    def code(value):
        if isinstance(value, dict):
            rc = value.get("return_code")
            rc = rc.get("number") if isinstance(rc, dict) else rc
            return int(rc or 0)
        return int(value or 0)
    tasks = record.get("tasks_per_node")
    tasks = tasks.get("number", 0) if isinstance(tasks, dict) else tasks
    if not record.get("job_resources"):        # a job that never started has no job_resources at all
        out = {k: v for k, v in out.items() if k != "job_resources"}
    return dict(out, exit_code=code(record.get("exit_code")), derived_exit_code=code(record.get("derived_exit_code")),
                group_name=record.get("group_name") or "", prefer=record.get("prefer") or "",
                tasks_per_node=int(tasks or 0))


# version -> schema name suffix -> adapter(rendered, record) -> rendered: what the daemon writes beside
# or instead of the schema's keys (measured on the release that serves the version)
WRITTEN: dict[str, dict[str, object]] = {
    "v0.0.38": {"partition": _partition_v38, "node": _node_v38, "job_response_properties": _job_v38},
}


def _adapter(table: dict, version: str, schema_name: str | None):
    if not schema_name:
        return None
    for suffix, fn in table.get(version, {}).items():
        if schema_name == f"{version}_{suffix}":
            return fn
    return None


def written(version: str, schema_name: str | None):
    """The adapter for what a version's daemon writes differently from its schema, or None."""
    return _adapter(WRITTEN, version, schema_name)


def renamed(version: str, schema_name: str | None):
    """The adapter for a schema of a version, or None (the common case, so no cost per record)."""
    return _adapter(TABLE, version, schema_name)
