"""Reservations: creating one (overlaps, busy nodes), and which nodes a reservation keeps from a job
(`_reservation_allows`, asked by placement)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import SlurmError
from .fields import _as_list, _int, _is_num, node_names
from .hostlist import compress
from .jobs import Job
from .licenses import licenses_of
from .values import INFINITE


@dataclass
class Reservation:
    name: str
    nodes: list
    start: float
    end: float
    users: list
    accounts: list
    flags: list
    partition: str
    core_count: int
    licenses: str = ""
    features: str = ""
    groups: list = field(default_factory=list)

    def active(self, now: float) -> bool:
        return self.start <= now < self.end

    def over(self, now: float) -> bool:
        return now >= self.end

    def allows(self, user: str, account: str) -> bool:
        return user in self.users or account in self.accounts

    def record(self) -> dict:
        """GET shape: comma strings, `tres` as text (the POST answer echoes the request instead)."""
        return {"accounts": ",".join(self.accounts), "burst_buffer": "", "core_count": self.core_count,
                "core_specializations": [], "end_time": int(self.end), "features": self.features,
                "flags": list(self.flags), "groups": ",".join(self.groups), "licenses": self.licenses,
                "max_start_delay": 0, "name": self.name, "node_count": len(self.nodes),
                "node_list": compress(self.nodes), "partition": self.partition,
                "purge_completed": {"time": 0}, "start_time": int(self.start), "watts": None,
                "tres": f"cpu={self.core_count}", "users": ",".join(self.users)}


class ReservationsMixin:
    """GET/POST/DELETE reservation(s) and the reservation rule of placement."""

    def reservation_records(self) -> list[dict]:
        self.sync()
        return [r.record() for r in self.reservations.values() if not r.over(self._t)]

    def reservation_record(self, name: str):
        self.sync()
        r = self.reservations.get(name)
        return r.record() if r and not r.over(self._t) else None

    def create_reservation(self, desc: dict, as_user: str) -> dict:
        """POST reservation: operators only; an existing name is updated; answers the request back."""
        self.sync()
        self._operator_only(as_user, "slurm_create_reservation()", 2002)
        self._add_reservation(desc, check=True)
        self._push(self._t, "sched")
        return desc

    def _add_reservation(self, desc: dict, check: bool = False) -> Reservation:
        name = desc.get("name") or f"resv{len(self.reservations) + 1}"
        existing = self.reservations.get(name)
        node_list = desc.get("node_list")
        nodes = node_names(node_list, "Invalid node name specified", "slurm_create_reservation()")
        if not nodes and existing:
            nodes = existing.nodes
        if not nodes:
            count = _int(desc.get("node_count"), 1)
            part = self.partitions.get(desc.get("partition") or "")
            pool = part.node_names if part else list(self.nodes)
            nodes = [n for n in pool if n in self.nodes and not self.nodes[n].jobs][:count] or pool[:count]
        if any(n not in self.nodes for n in nodes):
            raise SlurmError(2018, "Invalid node name specified", "slurm_create_reservation()")
        start = desc.get("start_time")
        start = float(start) if _is_num(start) else (existing.start if existing else self._t)
        duration, end = desc.get("duration"), desc.get("end_time")
        if _is_num(end):
            end = float(end)
        elif _is_num(duration):
            end = start + duration * 60
        elif existing:
            end = existing.end
        else:
            end = start + 365 * 86400
        flags = [str(f).upper() for f in desc.get("flags") or (existing.flags if existing else [])]
        users = _as_list(desc.get("users")) or (existing.users if existing else [])
        accounts = _as_list(desc.get("accounts")) or (existing.accounts if existing else [])
        if check:
            if not users and not accounts and not _as_list(desc.get("groups")):
                raise SlurmError(2080, "Reservation request lacks users, groups or accounts",
                                 "slurm_create_reservation()")
            for other in self.reservations.values():
                if other.name != name and set(other.nodes) & set(nodes) and other.start < end \
                        and start < other.end and "OVERLAP" not in flags and "MAINT" not in flags:
                    raise SlurmError(2058, "Requested reservation overlaps with another reservation",
                                     "slurm_create_reservation()")
            if "IGNORE_JOBS" not in flags and not existing and \
                    any(self._job_overlaps(j, start, end) for n in nodes for j in self.nodes[n].jobs):
                raise SlurmError(2016, "Requested nodes are busy", "slurm_create_reservation()")
        resv = Reservation(name, nodes, start, end, users, accounts, flags, desc.get("partition") or "",
                           sum(self.nodes[n].cpus for n in nodes),
                           licenses=",".join(f"{n}:{c}" for n, c in licenses_of(desc.get("licenses"))),
                           features=desc.get("features") or "", groups=_as_list(desc.get("groups")))
        self.reservations[name] = resv
        return resv

    def _job_overlaps(self, job_id: int, start: float, end: float) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.start_time is None:
            return True
        job_end = math.inf if job.time_limit is INFINITE else job.start_time + job.time_limit * 60
        return job.start_time < end and start < job_end

    def delete_reservation(self, name: str, as_user: str) -> None:
        self.sync()
        self._operator_only(as_user, "slurm_delete_reservation()", 2002)
        if name not in self.reservations:
            raise SlurmError(2053, "Invalid reservation name specified", "slurm_delete_reservation()")
        del self.reservations[name]
        self._push(self._t, "sched")

    def _reservation_allows(self, node: str, job: Job) -> bool:
        wanted = job.desc.get("reservation")
        for resv in self.reservations.values():
            if node in resv.nodes and resv.active(self._t) and resv.name != wanted:
                return False
            if node in resv.nodes and not resv.active(self._t) and not resv.over(self._t) and \
                    job.time_limit is not INFINITE and self._t + job.time_limit * 60 > resv.start and \
                    resv.name != wanted:
                return False      # it would still run when the reservation starts
            if node in resv.nodes and job.time_limit is INFINITE and not resv.over(self._t) and \
                    resv.name != wanted:
                return False
        if wanted:
            resv = self.reservations.get(wanted)
            return resv is not None and node in resv.nodes and resv.active(self._t)
        return True
