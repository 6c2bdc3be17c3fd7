"""Slurm host lists: `node[1-4,7]` ⇄ ["node1", ..., "node7"].

hostlist_create() refuses a bracket range of more than MAX_RANGE hosts (src/common/hostlist.c:1598, "Too many
hosts in range"; MAX_RANGE is MAX_SLURM_NODES, hostlist.h:54, slurm.h:129), so `node[0-99999999]` is an
invalid host list in Slurm and never 10^8 names here. Slurm keeps ranges unexpanded; the mock expands, so it
also bounds the names one expression may make (MAX_NAMES, a mock bound: any expression past it names nodes
no cluster has, which every caller refuses anyway)."""

from __future__ import annotations

import re

_RANGE = re.compile(r"([^\[,]*)\[([^\]]+)\]([^,]*)")
MAX_RANGE = 65536
MAX_NAMES = 1 << 20


class HostlistError(ValueError):
    """A host list hostlist_create() refuses; the text is data_parser's."""

    def __init__(self, spec: str):
        super().__init__(f"Invalid hostlist string: {spec}")


def _bound(lo: str, hi: str, spec: str) -> tuple[int, int]:
    """The range's ends, refused past MAX_RANGE hosts before anything is made (and before a 5,000-digit
    number is converted)."""
    if len(lo) > 18 or len(hi) > 18 or not lo.isdecimal() or not hi.isdecimal():
        raise HostlistError(spec)
    lo_i, hi_i = int(lo), int(hi)
    if hi_i < lo_i or hi_i - lo_i + 1 > MAX_RANGE:
        raise HostlistError(spec)
    return lo_i, hi_i


def expand(spec: str) -> list[str]:
    """Names in order. Raises HostlistError for a range hostlist_create() refuses or past MAX_NAMES."""
    if not spec:
        return []
    out: list[str] = []
    for part in _split(spec):
        m = _RANGE.fullmatch(part)
        if not m:
            out.append(part)
            continue
        prefix, ranges, suffix = m.groups()
        for r in ranges.split(","):
            if "-" in r:
                lo, hi = r.split("-", 1)
                lo_i, hi_i = _bound(lo.strip(), hi.strip(), spec)
                if len(out) + hi_i - lo_i + 1 > MAX_NAMES:
                    raise HostlistError(spec)
                width = len(lo) if lo.startswith("0") else 0
                out += [f"{prefix}{str(i).zfill(width)}{suffix}" for i in range(lo_i, hi_i + 1)]
            else:
                out.append(f"{prefix}{r}{suffix}")
        if len(out) > MAX_NAMES:
            raise HostlistError(spec)
    return out


def expand_strict(spec: str) -> list[str]:
    """`expand`, but a malformed expression (unbalanced brackets, a range that is not numeric) raises
    ValueError instead of being taken as one literal name, as slurm_hostlist_create() refuses it."""
    depth = 0
    for ch in spec or "":
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if depth not in (0, 1):
            raise ValueError(f"Invalid hostlist string: {spec}")
    if depth:
        raise ValueError(f"Invalid hostlist string: {spec}")
    for part in _split(spec or ""):
        if "[" in part or "]" in part:
            m = _RANGE.fullmatch(part)
            if not m or not all(re.fullmatch(r"\d+(-\d+)?", r) for r in m.group(2).split(",")):
                raise ValueError(f"Invalid hostlist string: {spec}")
    return expand(spec)


def _split(spec: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in spec:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return parts


def compress(names) -> str:
    """The shortest usual form: consecutive numbers of one prefix folded into ranges."""
    groups: dict[str, list] = {}
    order: list[str] = []
    plain: list[str] = []
    for name in names:
        m = re.fullmatch(r"(.*?)(\d+)", name)
        if not m:
            plain.append(name)
            continue
        prefix, num = m.groups()
        if prefix not in groups:
            groups[prefix] = []
            order.append(prefix)
        groups[prefix].append(num)
    parts = list(plain)
    for prefix in order:
        nums = sorted(set(groups[prefix]), key=int)
        if len(nums) == 1:
            parts.append(prefix + nums[0])
            continue
        ranges, start, prev = [], nums[0], nums[0]
        for n in nums[1:] + [None]:
            if n is not None and int(n) == int(prev) + 1 and len(n) == len(prev):
                prev = n
                continue
            ranges.append(start if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        parts.append(f"{prefix}[{','.join(ranges)}]")
    return ",".join(parts)


def ranges(ids) -> str:
    """Numbers as Slurm prints a bitmap or an index list: `0-3,5,7-8`."""
    ids, parts, i = sorted(ids), [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(parts)
