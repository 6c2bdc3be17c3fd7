"""Job arrays: the `--array` spec, the array's pending record, and tasks splitting off it as they start."""

from __future__ import annotations

from ..errors import SlurmError
from .jobs import Job


class _Array:
    """A job array's pending part: one record (`job`, the array's own id) until its last task starts."""

    def __init__(self, array_id: int, tasks: list[int], max_running: int, job: Job):
        self.array_id, self.pending, self.max_running, self.job = array_id, list(tasks), max_running, job
        self.task_jobs: list[Job] = []
        job.pending_tasks = self.pending     # the same list: the accounting record shows what is still pending

    def task_string(self) -> str:
        """"0,2,4%1", "2-3": the pending task ids as Slurm prints them."""
        parts, i, p = [], 0, self.pending
        while i < len(p):
            j = i
            while j + 1 < len(p) and p[j + 1] == p[j] + 1:
                j += 1
            parts.append(str(p[i]) if i == j else f"{p[i]}-{p[j]}")
            i = j + 1
        text = ",".join(parts)
        return text + (f"%{self.max_running}" if text and self.max_running else "")


class ArraysMixin:
    """Scheduling an array's tasks (its %limit) and splitting a task into its own job."""

    def _add_array(self, leader: Job, parsed: tuple[list[int], int]) -> None:
        """At submit: the leader becomes the array's pending record (`parsed`: parse_array's answer)."""
        tasks, max_running = parsed
        leader.array_job_id, leader.array_max_tasks = leader.job_id, max_running
        self.arrays[leader.job_id] = _Array(leader.job_id, tasks, max_running, leader)

    def _schedule_array(self, arr: _Array, blocked: set) -> None:
        meta = arr.job
        while arr.pending:
            running = sum(1 for j in arr.task_jobs if j.running)
            if arr.max_running and running >= arr.max_running:
                self._wait(meta, "JobArrayTaskLimit")
                return
            limit = self._limit_reason(meta) if running else None   # each running task is a job to limits
            if limit is not None:
                self._wait(meta, limit)
                return
            plan = self._place(meta)
            if plan is None:
                self._wait(meta, self._blocked_reason(meta, blocked))
                blocked.add(meta.partition)
                return
            task = arr.pending.pop(0)
            if arr.pending:
                job = self._split_task(meta, task)
            else:      # the last task takes over the array's own id
                job = meta
                job.array_task_id = task
            arr.task_jobs.append(job)
            self._start(job, plan)
            if job is meta:
                del self.arrays[arr.array_id]

    def _split_task(self, meta: Job, task: int) -> Job:
        """A task leaving the array's pending record: a new job id, its own record, in accounting too."""
        job = Job(**{f: getattr(meta, f) for f in meta.__dataclass_fields__})
        job.job_id, job.array_task_id = self._next_id, task
        self._next_id += 1
        job.alloc, job.last_alloc, job.swallowed, job.flags = {}, {}, set(), list(meta.flags)
        job.desc = dict(meta.desc)
        job._sync = self.sync
        self.jobs[job.job_id] = job
        self.accounting.add_job(job)
        return job


def parse_array(spec: str, max_size: int = 1001) -> tuple[list[int], int]:
    """"1-3", "0-5:2%1", "1,3,5", "100" → task ids and the %limit (0: none). Every id is below
    MaxArraySize (`max_size`), checked before the range is expanded, so "0-4000000" costs nothing."""
    spec, _, limit = str(spec).partition("%")
    tasks: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        rng, _, step = part.partition(":")
        lo, _, hi = rng.partition("-")
        if not lo.isdecimal() or (hi and not hi.isdecimal()) or (step and not step.isdecimal()) or step == "0" \
                or max(len(lo), len(hi), len(step)) > 18 or (hi and int(hi) < int(lo)):
            raise SlurmError(2081, f"Invalid job array specification: {spec}", "_job_post")
        lo_i, hi_i = int(lo), int(hi) if hi else int(lo)
        if hi_i >= max_size:
            raise SlurmError(2081, f"Invalid job array specification: {spec}", "_job_post")
        tasks += list(range(lo_i, hi_i + 1, int(step) if step else 1))
    if not tasks or (limit and not limit.isdecimal()):
        raise SlurmError(2081, f"Invalid job array specification: {spec}", "_job_post")
    return sorted(set(tasks)), _throttle(limit)


def _throttle(text: str) -> int:
    """The `%` limit as slurmctld reads it, atoi() (job_mgr.c _create_job_array): a number past a C int
    wraps, and one that ends up <= 0 means no limit; never a Python int of a 50 MB digit string."""
    if not text:
        return 0
    value = int(text) if len(text) <= 19 else (1 << 63) - 1        # strtol clamps at LONG_MAX
    value = min(value, (1 << 63) - 1) & 0xFFFFFFFF
    value = value - (1 << 32) if value >= 1 << 31 else value
    return max(value, 0)
