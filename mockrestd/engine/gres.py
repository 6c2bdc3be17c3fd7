"""GRES and TRES text: node `Gres=` specs, job `tres_per_*` requests, and how they print."""

from __future__ import annotations

from .hostlist import ranges


def parse_gres(spec) -> list[list]:
    """Node `Gres=gpu:a100:2,gpu:v100:1` → GPU slots [[name, type, index], ...] (index per name)."""
    slots: list[list] = []
    items = spec if isinstance(spec, list) else str(spec or "").split(",")
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        parts = item.split(":")
        count = int(parts[-1]) if len(parts) > 1 and parts[-1].isdecimal() else 1
        name = parts[0]
        gtype = parts[1] if len(parts) == 3 or (len(parts) == 2 and not parts[1].isdecimal()) else ""
        start = sum(1 for s in slots if s[0] == name)
        slots += [[name, gtype, start + i] for i in range(count)]
    return slots


def parse_tres_request(text) -> dict:
    """`gres/gpu:2`, `gres/gpu:a100:1`, `gres/gpu=2`, `gpu:2` → {name: (type, count)}."""
    out: dict = {}
    for item in (text if isinstance(text, list) else str(text or "").split(",")):
        item = str(item).strip().removeprefix("gres/").removeprefix("gres:")
        if not item:
            continue
        item = item.replace("=", ":")
        parts = item.split(":")
        count = int(parts[-1]) if parts[-1].isdecimal() else 1
        gtype = parts[1] if len(parts) >= 3 or (len(parts) == 2 and not parts[1].isdecimal()) else ""
        out[parts[0]] = (gtype, count)
    return out


def _mem_str(mb: int) -> str:
    if mb and mb % 1024 == 0:
        return f"{mb // 1024}G"
    if mb > 1024:
        return f"{mb / 1024:.2f}G"
    return f"{mb}M"


def gres_text(slots, *, used: bool = False) -> str:
    """Slots → `gpu:a100:2(IDX:0-1)` (used) or `gpu:a100:2` (configured), grouped by name and type."""
    groups: dict = {}
    for name, gtype, idx in slots:
        groups.setdefault((name, gtype), []).append(idx)
    parts = []
    for (name, gtype), idxs in groups.items():
        head = f"{name}:{gtype}:" if gtype else f"{name}:"
        parts.append(f"{head}{len(idxs)}" + (f"(IDX:{ranges(idxs)})" if used and gtype else ""))
    return ",".join(parts)


def _count_by_name(slots) -> dict:
    out: dict = {}
    for s in slots:
        out[s[0]] = out.get(s[0], 0) + 1
    return out
