"""Readers of job-description fields shared by several kinds of record (plain values, no rules)."""

from __future__ import annotations

import re

from .gres import parse_tres_request
from ..errors import SlurmError
from .hostlist import HostlistError, expand
from .values import INFINITE

_EPS = 1e-9            # event times closer than this count as the same instant


def _int(value, default: int) -> int:
    if value is None or value is INFINITE or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _is_num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _node_range(d: dict) -> tuple[int, int]:
    """`nodes: "2"` / `"1-3"` or minimum_nodes/maximum_nodes → (min, max; 0 = no max)."""
    text = d.get("nodes")
    if isinstance(text, str) and text.strip():
        lo, _, hi = text.strip().partition("-")
        if lo.isdecimal():
            return max(1, int(lo)), int(hi) if hi.isdecimal() else (0 if hi else int(lo))
    if _is_num(text):
        return max(1, int(text)), int(text)
    return max(1, _int(d.get("minimum_nodes"), 1)), _int(d.get("maximum_nodes"), 0)


def _names(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [n for v in value for n in expand(str(v))]
    return expand(str(value))


def node_names(value, description: str, source: str) -> list[str]:
    """`_names` for a host list a client sent: one slurm_hostlist_create() refuses (`node[0-99999999]`) is
    slurmctld's ESLURM_INVALID_NODE_NAME (job_mgr.c: node_name2bitmap() failing), never 10^8 names."""
    try:
        return _names(value)
    except HostlistError:
        raise SlurmError(2018, description, source) from None


def _features(value) -> set:
    return {f for f in re.split(r"[&,]", str(value or "")) if f and "|" not in f and "[" not in f}


def _gres(value) -> dict:
    return {k: [t, c] for k, (t, c) in parse_tres_request(value).items()} if value else {}


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value or []]
