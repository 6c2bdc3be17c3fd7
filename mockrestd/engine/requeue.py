"""Requeue: a running or finished batch job starts over as a new run of the same id."""

from __future__ import annotations

from ..errors import SlurmError


REQUEUE_DELAY = 121          # seconds a requeued running job waits (BeginTime), as measured on 26.05.5


class RequeueMixin:
    """GET job/{id}/requeue and POST jobs/requeue."""

    def requeue(self, job_ids, flags=(), as_user: str = "root") -> list[dict]:
        """GET /job/{id}/requeue, POST /jobs/requeue (v0.0.45): a running or finished batch job starts over
        as a new run of the same id; a running one first waits REQUEUE_DELAY seconds (reason BeginTime), as
        slurmctld lets its nodes clean up. Hold / SpecialExit leave it held. The first failure raises."""
        self.sync()
        flags = {str(f).upper() for f in flags or ()}
        if not job_ids:
            raise SlurmError(2017, "Query missing JobIds", "op_handler_jobs_requeue", bare=True)
        plans = []
        for job_id in job_ids:       # check everything first: a failed request changes nothing
            try:
                base, sep, sub = self._parse_id(job_id)
            except SlurmError:
                raise SlurmError(2017, f"Requeue JobId={job_id} failed", "op_handler_job_requeue") from None
            targets = self._group(base)
            if sep == "+":
                targets = [j for j in targets if j.het_job_offset == sub]
            elif sep == "_":
                targets = [j for j in targets if j.array_task_id == sub]
            if not targets:
                raise SlurmError(2017, f"Requeue JobID={job_id} failed", "op_handler_job_requeue")
            if any(j.user_name != as_user for j in targets) and not self.is_operator(as_user):
                raise SlurmError(2002, f"Requeue JobID={job_id} failed", "op_handler_job_requeue")
            runs = [j for j in targets if not j.pending and not (self.arrays.get(j.job_id) and
                                                                   self.arrays[j.job_id].job is j)]
            if "INCOMPLETE" in flags:
                runs = [j for j in runs if j.running]
            if not runs:
                code = 2024 if any(j.pending for j in targets) else 2021
                raise SlurmError(code, f"Requeue JobID={job_id} failed", "op_handler_job_requeue")
            plans += runs
        if "SPECIALEXIT" in flags and "HOLD" not in flags:      # checked after the jobs, as 26.05.5 does
            raise SlurmError(9009, "SpecialExit requires Hold mode", "op_handler_job_requeue", bare=True)
        delay = float(self.runtime.get("requeue_delay", REQUEUE_DELAY))
        completing = self._completing_time()
        for job in plans:
            was_running = job.running
            if was_running:       # its processes are killed first: COMPLETING, its nodes still shown
                if self.execution is not None:
                    self.execution.stop(job)
                self._release(job, completing)
                job.end_time = self._t        # the accounting record of this run ends now
                job.kill_request_user = as_user
            self.accounting.record_requeue(job)
            held = job.last_alloc if was_running else {}
            job.requeue(self._t, begin_delay=delay if was_running else 0.0, hold="HOLD" in flags,
                        special_exit="SPECIALEXIT" in flags)
            if was_running and completing:
                job.completing_until, job.last_alloc = self._t + completing, held
                job.reason = job.reason if job.hold else "None"
                self._push(job.completing_until, "uncomplete", job.job_id)
            self._touch(job)
            if job.begin_time:
                self._push(job.begin_time, "sched")
        self._push(self._pass_time(), "sched")
        return []
