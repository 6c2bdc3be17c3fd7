"""Cancel and signals (DELETE job/{id}, DELETE jobs): which jobs an id or filter names, who may signal
them, and what a job's processes do with a signal (as its runtime plan says)."""

from __future__ import annotations

from ..errors import SlurmError, error_text
from .fields import _names
from .jobs import Job
from .runtime import SIGNAL_NAMES, SIGNALS, signal_number

# kill_jobs_msg / DELETE job `flags` Slurm knows
KILL_FLAGS = {"BATCH_JOB", "ARRAY_TASK", "FULL_STEPS_ONLY", "FULL_JOB", "FEDERATION_REQUEUE", "HURRY",
              "OUT_OF_MEMORY", "NO_SIBLING_JOBS", "RESERVATION_JOB", "VERBOSE", "CRON_JOBS", "WARNING_SENT"}


class SignalsMixin:
    """signal_job / kill_jobs; `_cancel` and `_deliver` end jobs through `_finish`."""

    def signal_job(self, job_id: str, signal=None, flags=(), as_user: str = "root") -> list[dict]:
        """DELETE /job/{id}: cancel (no signal / KILL) or deliver a signal; problems are status entries."""
        self.sync()
        flags = [str(f).upper() for f in (flags or [])]
        for f in flags:
            if f not in KILL_FLAGS:
                raise SlurmError(9207, f"Unknown flag \"{f}\"", "_parse_flag")
        try:
            base, sep, sub = self._parse_id(job_id)
        except SlurmError:
            return [_status(job_id, 2017, "Invalid job id specified", known=False)]
        out = []
        signum = None
        if signal not in (None, ""):
            signum = signal_number(signal)
            if signum is None:
                raise SlurmError(9202, f"Unknown signal {signal!r}", "#/signal/")
        targets = self._signal_targets(base, sep, sub)
        if targets is None:
            return out + [_status(job_id, 2017, "Invalid job id specified", known=False)]
        if all(j.finished for j in targets):
            return out + [_status(job_id, 2021, "Job/step already completing or completed")]
        for job in targets:
            if job.finished:
                continue
            if job.user_name != as_user and not self.is_operator(as_user):
                out.append(_status(job.id_string(), 2002, "Access/permission denied"))
                continue
            if signum is None or (signum == SIGNALS["KILL"] and "BATCH_JOB" not in flags):
                self._cancel(job, as_user, hurry="HURRY" in flags)
            else:
                problem = self._deliver(job, signum, batch_only="BATCH_JOB" in flags, flags=flags)
                if problem:
                    out.append(_status(job.id_string(), problem, error_text(problem)))
        return out

    def _signal_targets(self, base: int, sep, sub) -> list[Job] | None:
        """The jobs an id names for signalling; "A_T" is just that task (split out if it still pends)."""
        members = self._group(base)
        if not members:
            return None
        if sep == "+":
            return [j for j in members if j.het_job_offset == sub] or None
        if sep == "_":
            found = [j for j in members if j.array_task_id == sub]
            if found:
                return found
            arr = self.arrays.get(base)
            if arr is None or sub not in arr.pending:
                return None
            if arr.pending == [sub]:                     # the last one: the array's own record is the task
                arr.pending = []
                arr.job.array_task_id = sub
                del self.arrays[base]
                return [arr.job]
            arr.pending.remove(sub)
            task = self._split_task(arr.job, sub)
            arr.task_jobs.append(task)
            return [task]
        return members

    def _cancel(self, job: Job, user: str, hurry: bool = False) -> None:
        job.kill_request_user = user
        if job.pending:
            job.end("cancelled_pending", self._t, return_code=0)
        else:
            job.end("cancelled", self._t, signal=SIGNALS["TERM"],
                    completing=0.0 if hurry else self._completing_time())
            if self.execution is not None:        # SIGCONT + SIGTERM now, SIGKILL after KillWait
                self.execution.stop(job)
        self._finish(job)

    def _deliver(self, job: Job, signum: int, batch_only: bool = False, flags=()) -> int | None:
        """What the job's processes do with the signal, as its plan says; returns an error code or None.
        In execute mode the real processes get it (as `flags` say which) and decide for themselves."""
        if job.pending:
            return 2020       # slurmctld: only SIGKILL applies to a pending job
        if self.execution is not None:
            self.execution.deliver(job, signum, flags)
            return None
        name = SIGNAL_NAMES.get(signum, "")
        action, code = job.plan.reaction(name, name in job.swallowed, batch_only)
        if name in job.plan.swallow_once and action == "ignore":
            job.swallowed.add(name)
        if action == "ignore":
            return None
        if action == "stop":
            if not job.stopped:
                job.run_left = max(0.0, job.resumed_at + job.run_left - self._t)
                job.stopped = True
                self._plan_end(job)
            return None
        if action == "continue":
            if job.stopped:
                job.stopped, job.resumed_at = False, self._t
                self._plan_end(job)
            return None
        if action == "exit":
            job.end("failed" if code else "completed", self._t, return_code=code)
        else:
            job.end("signaled", self._t, signal=signum)
        self._finish(job)
        return None

    def kill_jobs(self, filters: dict, as_user: str) -> list[dict]:
        """DELETE /jobs/: signal what the filters select; status entries only for what could not be."""
        self.sync()
        signal = filters.get("signal")
        flags = [str(f).upper() for f in (filters.get("flags") or [])]
        out, targets = [], []
        operator = self.is_operator(as_user)
        listed = [str(j) for j in (filters.get("jobs") or [])]
        if listed:
            for jid in listed:
                try:
                    base, sep, sub = self._parse_id(jid)
                except SlurmError:
                    out.append(_status(jid, 2017, "Invalid job id specified", known=False))
                    continue
                members = self._group(base)
                if not members:
                    out.append(_status(jid, 2017, "Invalid job id specified", known=False))
                elif all(m.finished for m in members):
                    out.append(_status(jid, 2021, "Job/step already completing or completed"))
                else:
                    targets.append(jid)
        else:
            states = {str(s).upper() for s in (filters.get("job_state") or [])}
            nodes = set(_names(filters.get("nodes")))
            for job in self._visible():
                if job.finished or (states and job.state not in states):
                    continue
                if not _matches(job, filters) or (nodes and not nodes & set(job.alloc)):
                    continue
                if not operator and job.user_name != as_user:
                    continue
                if job.array_job_id and job.array_job_id != job.job_id and job.array_job_id in self.jobs:
                    continue        # the array's own id signals its tasks
                targets.append(str(job.job_id))
        for jid in targets:
            out += [s for s in self.signal_job(jid, signal, flags, as_user) if s["error"]["code"] != 2021]
        return out


def _status(job_id, code: int, message: str, text: str | None = None, known: bool = True) -> dict:
    """One `kill_jobs_resp_job` entry: slurmctld puts the id asked for in step_id, and the numeric job id
    only for a job it knows (26.05.5: unknown -> job_id unset, step_id "99999")."""
    head = str(job_id).split("_")[0].split("+")[0]
    return {"error": {"string": text or error_text(code), "code": code, "message": message},
            "step_id": str(job_id), "job_id": int(head) if head.isdecimal() and known else None,
            "federation": {"sibling": ""}}


def _matches(job: Job, f: dict) -> bool:
    for key, value in (("account", job.account), ("user_name", job.user_name), ("partition", job.partition),
                       ("job_name", job.name), ("qos", job.qos), ("reservation", job.desc.get("reservation") or ""),
                       ("wckey", job.desc.get("wckey") or "")):
        if f.get(key) and str(f[key]) != value:
            return False
    return not (f.get("user_id") not in (None, "") and str(f["user_id"]) != str(job.user_id))
