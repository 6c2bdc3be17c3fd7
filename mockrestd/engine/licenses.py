"""Licenses: cluster-wide counters a job takes when it starts and gives back when it ends."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .jobs import Job


@dataclass
class License:
    name: str
    total: int
    used: int = 0

    def free(self) -> int:
        return self.total - self.used

    def record(self, now: float) -> dict:
        return {"LicenseName": self.name, "Total": self.total, "Used": self.used, "Free": self.free(),
                "Remote": False, "Reserved": 0, "LastConsumed": 0, "LastDeficit": 0, "LastUpdate": int(now),
                "Nodes": ""}


class LicensesMixin:
    """GET licenses and whether a job's licenses are free."""

    def license_records(self) -> list[dict]:
        self.sync()
        return [lic.record(self._t) for lic in self.licenses.values()]

    def _licenses_free(self, job: Job) -> bool:
        return all(name in self.licenses and self.licenses[name].free() >= count
                   for name, count in licenses_of(job.licenses))

    def _take_licenses(self, job: Job) -> None:
        """At `_start`: the job's licenses are in use (`_licenses_free` said they were free)."""
        for name, count in licenses_of(job.licenses):
            self.licenses[name].used += count

    def _return_licenses(self, job: Job) -> None:
        """At `_release`: what the job took is free again (licenses deleted since are skipped)."""
        for name, count in licenses_of(job.licenses):
            if name in self.licenses:
                self.licenses[name].used = max(0, self.licenses[name].used - count)


def licenses_of(value) -> list[tuple[str, int]]:
    """`matlab:2,foo` / `matlab=2` / ["matlab:2"] → [("matlab", 2), ("foo", 1)]."""
    text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    out = []
    for item in re.split(r"[,|]", text):
        item = item.strip()
        if not item:
            continue
        name, _, count = item.replace("=", ":").partition(":")
        out.append((name, int(count) if count.isdecimal() else 1))
    return out
