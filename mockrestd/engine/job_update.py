"""Updating a job (POST job/{id}): who may change what, pending or running; finished jobs refuse."""

from __future__ import annotations

from ..errors import SlurmError
from .fields import _int, _is_num, _node_range, node_names
from .jobs import Job
from .values import INFINITE


class JobUpdateMixin:
    """update_job checks the request; `_apply` changes one job."""

    def update_job(self, job_id: str, desc: dict, as_user: str) -> list:
        """POST /job/{id}. Pending: most fields; running: name/comment, lower time_limit; finished: 2084."""
        self.sync()
        base, sep, sub = self._parse_id(job_id)
        members = self._group(base)
        if sep == "+":
            members = [j for j in members if j.het_job_offset == sub]
        elif sep == "_":
            members = [j for j in members if j.array_task_id == sub] or \
                [j for j in members if j.job_id == base and sub in getattr(self.arrays.get(base), "pending", [])]
        if not members:
            raise SlurmError(2017, "Job update requested failed", "slurm_update_job2()")
        job = self.jobs.get(base) if base in self.jobs and self.jobs[base] in members else members[0]
        operator = self.is_operator(as_user)
        if job.user_name != as_user and not operator:
            raise SlurmError(2002, "Job update requested failed", "slurm_update_job2()")
        if job.finished:
            raise SlurmError(2084, "Job update requested failed", "slurm_update_job2()")
        changes = {k: v for k, v in desc.items() if v is not None}
        if job.running:
            if any(k in changes for k in ("tasks", "cpus_per_task", "partition", "minimum_nodes", "nodes",
                                          "memory_per_cpu", "memory_per_node", "minimum_cpus", "account", "qos",
                                          "dependency", "begin_time", "required_nodes", "tres_per_node")):
                raise SlurmError(2073, "Job update requested failed", "slurm_update_job2()")
        if "time_limit" in changes and not operator and _raises(job.time_limit, changes["time_limit"]):
            raise SlurmError(2002, "Job update requested failed", "slurm_update_job2()")
        if "partition" in changes and changes["partition"] not in self.partitions:
            raise SlurmError(2000, "Job update requested failed", "slurm_update_job2()")
        for key in ("required_nodes", "excluded_nodes"):
            node_names(changes.get(key), "Job update requested failed", "slurm_update_job2()")
        admin_held = not operator and any(j.hold == "admin" for j in members)
        # a user may neither give a priority to a job an operator held (2042, real 25.11.7) nor release it
        if admin_held and "priority" in changes and changes["priority"] not in (0, None):
            raise SlurmError(2042, "Job update requested failed", "slurm_update_job2()")
        if admin_held and "hold" in changes and not changes["hold"]:
            raise SlurmError(2002, "Job update requested failed", "slurm_update_job2()")
        targets = [job] if "name" in changes or len(members) == 1 or sep else \
            [j for j in members if not j.finished]
        for j in targets:
            self._apply(j, changes, operator, as_user)
            self._touch(j)
        self._push(self._t, "sched")
        return []

    def _apply(self, job: Job, changes: dict, operator: bool, user: str) -> None:
        if "name" in changes:
            job.name = str(changes["name"])
        if "comment" in changes:
            job.comment = str(changes["comment"])
        if "admin_comment" in changes and operator:
            job.admin_comment = str(changes["admin_comment"])
        if job.pending:
            if "tasks" in changes:
                job.tasks = max(1, _int(changes["tasks"], job.tasks))
            if "cpus_per_task" in changes:
                job.cpus_per_task = max(1, _int(changes["cpus_per_task"], job.cpus_per_task))
            if "tasks" in changes or "cpus_per_task" in changes:
                job.cpus = job.tasks * job.cpus_per_task
            if "minimum_nodes" in changes or "nodes" in changes:
                job.min_nodes, job.max_nodes = _node_range({**job.desc, **changes})
            if "partition" in changes:
                job.partition = changes["partition"]
            if "dependency" in changes:
                job.dependency = str(changes["dependency"])
            if "begin_time" in changes and _is_num(changes["begin_time"]):
                job.begin_time = changes["begin_time"]
                job.eligible_time = max(self._t, job.begin_time)
            for key in ("required_nodes", "excluded_nodes", "constraints", "standard_output", "standard_error"):
                if key in changes:
                    job.desc = {**job.desc, key: changes[key]}     # replaced: a new revision
        if "time_limit" in changes:
            job.time_limit = changes["time_limit"]
            if job.running:
                self._plan_end(job)
        if "hold" in changes:
            if changes["hold"]:
                job.hold = job.hold or ("admin" if operator and user != job.user_name else "user")
            else:
                job.hold = None
        if "priority" in changes:
            prio = changes["priority"]
            if prio == 0:
                job.hold = "admin" if operator else "user"
            else:
                job.hold = None
                if operator and _is_num(prio):
                    job.priority = int(prio)
        if job.pending:
            if job.hold:
                job.reason = "JobHeldUser" if job.hold == "user" else "JobHeldAdmin"
                job.eligible_time = job.accrue_time = None
            elif job.reason in ("JobHeldUser", "JobHeldAdmin"):
                job.reason = "None"


def _raises(old, new) -> bool:
    if new is INFINITE:
        return old is not INFINITE
    return old is not INFINITE and _is_num(new) and new > old
