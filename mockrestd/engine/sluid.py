"""SLUIDs: the sortable unique ids Slurm 25.11 gives each job (`step_id.sluid`, also its accounting index).

A SLUID packs the cluster id (12 bits), the creation time in milliseconds and a sequence number (10 bits)
into 64 bits, printed as "s" and 13 characters of Crockford's base32 (`sDXHK9VRZ5DJ00`). The mock makes
them the same way from its own clock, so they sort by submit time and stay stable per job."""

from __future__ import annotations

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}


def make(cluster_id: int, millis: int, seq: int = 0) -> int:
    """The 64-bit value; `seq` above 1023 carries into the next millisecond, as generate_sluid() does."""
    millis += seq >> 10
    return ((cluster_id & 0xFFF) << 52) | ((millis & ((1 << 42) - 1)) << 10) | (seq & 0x3FF)


def to_str(value: int) -> str:
    return "s" + "".join(_ALPHABET[(value >> (5 * (12 - i))) & 0x1F] for i in range(13))


def from_str(text: str) -> int | None:
    """The value of a printed SLUID; None when it is not one (str2sluid() gives 0 then)."""
    if len(text) != 14 or text[0] not in "sS":
        return None
    value = 0
    for ch in text[1:].upper():
        if ch not in _INDEX:
            return None
        value = (value << 5) | _INDEX[ch]
    return value & ((1 << 64) - 1)


def cluster_id(name: str) -> int:
    """A stable id in slurmctld's range (2..4095) for a cluster name: a real one is random at first start."""
    return 2 + sum((i + 1) * ord(c) for i, c in enumerate(name)) % 4094
