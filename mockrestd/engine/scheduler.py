"""The scheduler: which pending job goes first and why a job waits.

`_schedule` is one pass (priority order, each job starts if it fits now); `_why_waiting` is the one place
that decides a pending reason that does not depend on free resources (hold, dependency, begin time,
partition limits, reservation, nodes down), `_blocked_reason` the one for a job that fits but finds no room
(Priority, Licenses, Resources). Limits from accounting (QOS, associations) belong in `_why_waiting`."""

from __future__ import annotations

import re

from .fields import _EPS, _names
from .jobs import Job
from .placement import _shape
from .values import INFINITE


class SchedulerMixin:
    """Scheduler passes, pending reasons and dependencies."""

    def _schedule(self) -> None:
        """One pass: highest priority first, each job starts if it fits now (backfill of what fits)."""
        self.stats["schedule_cycles"] += 1
        t = self._t
        blocked: set = set()
        het_done: set = set()
        pending = sorted((j for j in self.jobs.values() if j.pending), key=lambda j: (-j.priority, j.job_id))
        self.stats["last_cycle_depth"] = len(pending)
        # plain jobs alike (`_shape`) fit, or do not, alike until a job starts: a queue of thousands of the
        # same job costs one placement, not thousands (the pass ran once per submit: that was the submit rate)
        no_room: set = set()
        # what holds for the whole pass, by job shape and QOS/association: `_could_ever_fit` (the nodes'
        # configuration), whether any limit applies (limits.py)
        self._pass_memo = {}
        try:
            self._pass(pending, t, blocked, het_done, no_room)
        finally:
            self._pass_memo = None

    def _pass(self, pending: list, t: float, blocked: set, het_done: set, no_room: set) -> None:
        memo = self._pass_memo
        for job in pending:
            if not job.pending:
                continue
            job.__dict__["last_eval"] = t      # volatile (jobs.py): what Job.__setattr__ would do, without the call
            shape = _shape(job)
            if shape is not None and not (job.hold or job.dependency or job.begin_time) \
                    and job.eligible_time is not None:
                # nothing of its own to wait for: the reason is its shape's, unless a limit applies (limits.py
                # keeps in the memo whether one does; known only after this QOS/association's first job)
                key = ("why", shape, job.qos, job.association_id)
                reason = memo[key] if key in memo else self._why_waiting(job)
                if memo.get(("limited", job.qos, job.association_id)) is False \
                        or not self._enforcing("limits"):
                    memo[key] = reason
            else:
                reason = self._why_waiting(job)
            if reason is not None:
                if job.reason != reason:
                    job.reason = reason
                    self._touch(job)
                continue
            if job.accrue_time is None:
                job.accrue_time = job.eligible_time or t
            if job.het_job_id is not None:
                if job.het_job_id not in het_done:
                    het_done.add(job.het_job_id)
                    self._schedule_het(job.het_job_id, blocked)
                    no_room.clear()
                continue
            arr = self.arrays.get(job.job_id)
            if arr is not None and arr.job is job:
                self._schedule_array(arr, blocked)
                no_room.clear()
                continue
            plan = None if shape is not None and shape in no_room else self._place(job)
            if plan is None:
                self._wait(job, self._blocked_reason(job, blocked))
                blocked.add(job.partition)
                if shape is not None:
                    no_room.add(shape)
                continue
            self._start(job, plan)
            no_room.clear()

    def _wait(self, job: Job, reason: str) -> None:
        if job.reason != reason:
            job.reason = reason
            self._touch(job)

    def _blocked_reason(self, job: Job, blocked: set) -> str:
        if job.partition in blocked:
            return "Priority"
        if not self._licenses_free(job):
            return "Licenses"
        return "Resources"

    def _why_waiting(self, job: Job) -> str | None:
        """A pending reason that does not depend on free resources, or None when it may start."""
        t = self._t
        if job.hold:
            return "JobHeldUser" if job.hold == "user" else "JobHeldAdmin"
        dep = self._dependency_state(job)
        if dep == "never":
            return "DependencyNeverSatisfied"
        if dep == "wait":
            return "Dependency"
        if job.eligible_time is None:
            job.eligible_time = max(t, job.begin_time or 0)
        if job.begin_time and job.begin_time > t + _EPS:
            self._push(job.begin_time, "sched")
            return "BeginTime"
        part = self.partitions.get(job.partition)
        if part is None:
            return "PartitionDown"
        if part.state in ("DOWN", "DRAIN"):
            return "PartitionDown"
        if part.state == "INACTIVE":
            return "PartitionInactive"
        if part.max_time is not INFINITE and job.time_limit is not INFINITE and job.time_limit > part.max_time:
            return "PartitionTimeLimit"
        if part.max_nodes is not INFINITE and job.min_nodes > part.max_nodes:
            return "PartitionNodeLimit"
        if job.desc.get("reservation") and job.desc["reservation"] not in self.reservations:
            return "ReservationDeleted"
        limit = self._limit_reason(job)          # QOS and association limits: engine/limits.py
        if limit is not None:
            return limit
        if not self._could_ever_fit(job):
            return "PartitionConfig"
        if not self._nodes_up(job):
            return "Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions" \
                if job.desc.get("required_nodes") else "Resources"
        return None

    def _nodes_up(self, job: Job) -> bool:
        required = _names(job.desc.get("required_nodes"))
        return all(n in self.nodes and self.nodes[n].usable(self._t) for n in required)

    def _dependency_state(self, job: Job) -> str:
        """"ok", "wait" or "never" for `afterok:1:2,afterany:3` (`?` = any one clause is enough)."""
        if not job.dependency:
            return "ok"
        any_of = "?" in job.dependency
        results = []
        for clause in re.split(r"[,?]", job.dependency):
            kind, _, ids = clause.partition(":")
            kind = kind.strip().lower()
            if kind == "singleton":
                same = [j for j in self.jobs.values() if j is not job and j.name == job.name
                        and j.user_name == job.user_name and j.running]
                results.append("wait" if same else "ok")
                continue
            for dep_id in ids.split(":"):
                dep_id = dep_id.split("+")[0]
                if not dep_id:
                    continue
                deps = self._dependency_targets(dep_id)
                for dep in deps:
                    results.append(_dep_result(kind, dep))
        if not results:
            return "ok"
        if any_of:
            return "ok" if "ok" in results else ("wait" if "wait" in results else "never")
        return "never" if "never" in results else ("wait" if "wait" in results else "ok")

    def _dependency_targets(self, dep_id: str) -> list[Job]:
        base, _, task = dep_id.partition("_")
        if not base.isdecimal():
            return []
        base_id = int(base)
        jobs = [j for j in self.jobs.values() if j.array_job_id == base_id and j.array_task_id is not None
                and (not task or str(j.array_task_id) == task)]
        arr = self.arrays.get(base_id)
        if arr is not None and arr.pending and (not task or int(task) in arr.pending):
            jobs.append(arr.job)
        if not jobs:
            one = self.jobs.get(base_id) or self.accounting.job_object(base_id)
            jobs = [one] if one is not None else []
        return jobs


def _dep_result(kind: str, dep: Job) -> str:
    """One dependency clause against one job: "ok", "wait" or "never"."""
    if kind == "after":
        return "wait" if dep.pending else "ok"
    if kind == "afterany":
        return "ok" if dep.finished else "wait"
    if kind == "afterok":
        return "wait" if not dep.finished else ("ok" if dep.state == "COMPLETED" else "never")
    if kind == "afternotok":
        return "wait" if not dep.finished else ("never" if dep.state == "COMPLETED" else "ok")
    if kind == "aftercorr":
        return "ok" if dep.finished else "wait"
    return "ok"

