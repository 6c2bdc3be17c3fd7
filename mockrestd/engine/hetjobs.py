"""Heterogeneous jobs: components start all together or not at all, each on nodes of its own."""

from __future__ import annotations


class HetjobsMixin:
    """Scheduling of a hetjob's components as one."""

    def _link_het(self, jobs) -> None:
        """At submit: the components share the leader's id as het_job_id, each with its offset."""
        leader = jobs[0]
        id_set = f"{leader.job_id}-{jobs[-1].job_id}"
        for off, job in enumerate(jobs):
            job.het_job_id, job.het_job_offset, job.het_job_id_set = leader.job_id, off, id_set
            if "HETEROGENEOUS_JOB" not in job.flags:
                job.flags = job.flags + ["HETEROGENEOUS_JOB"]

    def _schedule_het(self, het_id: int, blocked: set) -> None:
        comps = sorted((j for j in self.jobs.values() if j.het_job_id == het_id and j.pending),
                       key=lambda j: j.het_job_offset)
        if any(self._why_waiting(c) for c in comps):
            for c in comps:
                self._wait(c, self._why_waiting(c) or "None")
            return
        plans = self._place_together(comps)
        if plans is None:
            for c in comps:
                self._wait(c, self._blocked_reason(c, blocked))
            blocked.update(c.partition for c in comps)
            return
        for c, plan in zip(comps, plans):
            self._start(c, plan)

    def _place_together(self, jobs):
        """All-or-nothing placement for hetjob components, each on nodes of its own: on one idle node a
        two-component hetjob pends for Resources forever (real 24.11.5 and 26.05.5)."""
        held: dict = {}
        plans = []
        for job in jobs:
            plan = self._place(job, held, avoid=set(held))
            if plan is None:
                return None
            for name, (cpus, mem, gres) in plan.items():
                h = held.setdefault(name, [0, 0, []])
                h[0] += cpus
                h[1] += mem
                h[2] += gres
            plans.append(plan)
        return plans
