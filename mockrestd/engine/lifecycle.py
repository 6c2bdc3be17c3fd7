"""The event loop and a job's run: the one place a job starts (`_start`) and the one place it ends (`_finish`).

Nothing runs in the background: every call first replays the events due up to `clock.now()` (`sync`:
scheduler passes, job ends, COMPLETING flags clearing, MinJobAge purges) in time order, so a manual clock
gives exactly repeatable histories and a fast clock gives a lively demo. A running job's end is planned by
`_plan_end` (its work or its time limit) and happens in `_on_end`; cancel, signals and requeue end it
through `_finish` too, which frees what it held (`_release`).

In execute mode (`self.execution`, engine/executor) a started job's script really runs: its end is the
process's (`process_ended`), only the time limit is planned, and due events are woken by the event loop."""

from __future__ import annotations

import heapq
import math

from .fields import _EPS
from .jobs import Job
from .values import INFINITE


class LifecycleMixin:
    """Events, start and end of a job; used by every other part of `Cluster`."""

    def _push(self, t: float, kind: str, job_id: int = 0) -> None:
        if kind == "sched":          # one scheduler pass per instant is enough, however many asked for it
            if t in self._sched_times:
                return
            self._sched_times.add(t)
        heapq.heappush(self._events, (t, next(self._seq), kind, job_id))
        if self.execution is not None:      # nothing else would wake the controller before the next request
            self.execution.wake(t)

    def _pass_time(self) -> float:
        """When a scheduler pass asked for now runs: `sched_interval` later, on a grid of a tenth of it, so a
        burst of submits shares its passes (at most ten per interval) and no job is looked at sooner."""
        interval = float(self.runtime.get("sched_interval", 1))
        t = self._t + interval
        step = interval / 10
        if step <= 0:
            return t
        on_grid = math.ceil(t / step - 1e-9) * step
        return t if abs(on_grid - t) < 1e-6 else round(on_grid, 6)

    def sync(self) -> float:
        """Replay every event due up to now, in time order; returns the time the model is at."""
        now = self.clock.now()
        while self._events and self._events[0][0] <= now:
            t, _, kind, job_id = heapq.heappop(self._events)
            self._t = max(self._t, t)
            if kind == "sched":
                self._sched_times.discard(t)
            getattr(self, f"_on_{kind}")(job_id)
        self._t = max(self._t, now)
        self.stats["rpcs"] += 1
        return self._t

    def _on_sched(self, _):
        self._schedule()

    def _on_end(self, job_id):
        job = self.jobs.get(job_id)
        if job is None or not job.running or job.end_at is None or job.end_at > self._t + _EPS:
            return
        if job.end_how == "timeout":
            job.end("timeout", self._t, completing=self._completing_time())
            if self.execution is not None:        # SIGTERM now, SIGKILL after KillWait
                self.execution.stop(job)
        elif job.plan.oom:
            job.end("oom", self._t, return_code=0)
        elif job.plan.exit_code:
            job.end("failed", self._t, return_code=job.plan.exit_code)
        else:
            job.end("completed", self._t)
        self._finish(job)

    def _on_uncomplete(self, job_id):
        job = self.jobs.get(job_id)
        if job is not None and job.completing_until is not None and job.completing_until <= self._t + _EPS:
            job.completing_until = None
            job.last_update = self._t
            if job.pending:       # a requeued job's last run is over: it holds nothing any more
                job.last_alloc = {}
                if not job.hold and job.begin_time and job.begin_time > self._t + _EPS:
                    job.reason = "BeginTime"      # real 26.05.5 shows it as soon as COMPLETING clears

    def _on_purge(self, job_id):
        job = self.jobs.get(job_id)
        if job is not None and job.finished and job.end_time + self.min_job_age <= self._t + _EPS:
            del self.jobs[job_id]
            arr = self.arrays.get(job_id)
            if arr is not None and arr.job is job:
                del self.arrays[job_id]
            self.last_job_update = self._t

    def _completing_time(self) -> float:
        return float(self.runtime.get("completing_time", 1))

    def _touch(self, job: Job) -> None:
        job.last_update = self.last_job_update = self._t

    def _start(self, job: Job, plan: dict) -> None:
        """The one place a job starts: it takes the nodes of `plan` (from `_place`) and its licenses."""
        job.alloc = {name: self.nodes[name].hold(job.job_id, cpus, mem, gres)
                     for name, (cpus, mem, gres) in plan.items()}
        self._take_licenses(job)
        job.move("RUNNING")
        job.reason, job.start_time = "None", self._t
        if job.accrue_time is None:
            job.accrue_time = job.eligible_time or self._t
        job.run_left, job.resumed_at, job.stopped = job.plan.runtime, self._t, False
        if self.execution is not None:       # the process decides when it ends; the time limit still holds
            job.run_left = math.inf
        self.stats["jobs_started"] += 1
        self._touch(job)
        self._plan_end(job)
        if self.execution is not None:
            self.execution.start(job)

    def process_ended(self, job_id: int, run) -> None:
        """Execute mode: the batch script of `job_id` has ended (its wait status, CPU time and peak memory
        are in `run`). A job still running ends the way its script did (a hetjob's components with it); one
        the controller ended already (cancel, time limit, requeue, node failure) only learns what it used."""
        from .executor.execution import ending_of, usage_of
        self.sync()
        job = self.jobs.get(job_id)
        if job is None:
            return
        job._usage = usage_of(run)
        how, code, sig = ending_of(run)
        for member in self._group(job.het_job_id) if job.het_job_id is not None else [job]:
            if member.running:
                member.end(how, self._t, return_code=code, signal=sig)
                self._finish(member)

    def _plan_end(self, job: Job) -> None:
        """When the running job ends next: its work done, or its time limit, whichever comes first."""
        work_end = math.inf if job.stopped else job.resumed_at + job.run_left
        limit_end = math.inf if job.time_limit is INFINITE else job.start_time + job.time_limit * 60
        if limit_end <= work_end:
            job.end_at, job.end_how = max(self._t, limit_end), "timeout"
        else:
            job.end_at, job.end_how = work_end, "normal"
        if job.end_at != math.inf:
            self._push(job.end_at, "end", job.job_id)
        else:
            job.end_at = None

    def _finish(self, job: Job) -> None:
        """Free what the job held, count it, and let the scheduler and dependants look again."""
        self._release(job, (job.completing_until - self._t) if job.completing_until else 0.0)
        if job.completing_until:
            self._push(job.completing_until, "uncomplete", job.job_id)
        key = {"COMPLETED": "jobs_completed", "CANCELLED": "jobs_canceled"}.get(job.state, "jobs_failed")
        self.stats[key] += 1
        self._touch(job)
        self._push(job.end_time + self.min_job_age, "purge", job.job_id)
        self._push(self._t, "sched")

    def _release(self, job: Job, completing: float = 0.0) -> None:
        """Give back the nodes (busy `completing` seconds more) and licenses the job holds."""
        for name in job.alloc:
            node = self.nodes.get(name)
            if node:
                node.release(job.job_id, self._t, completing)
        if job.alloc:
            job.last_alloc, job.alloc = job.alloc, {}
            self._return_licenses(job)
