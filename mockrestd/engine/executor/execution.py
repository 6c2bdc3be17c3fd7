"""Execute mode's side of the controller: what slurmctld tells slurmd, and what it hears back.

The scheduler stays the one that decides (when a job starts, where, its time limit, cancel, requeue); with
an `Execution` attached (`cluster.execution`), a started batch job's script runs for real (`Executor`),
its state follows the process (`process_ended`), signals reach the processes instead of the simulated
plan, and the controller's events are woken by the event loop instead of waiting for the next request."""

from __future__ import annotations

import time

from ..conf import SLURM_CONF_BASE
from ..hostlist import compress
from ..jobs import _cpu_times, _usage_tres
from ..runtime import SIGNAL_NAMES
from ..values import INFINITE
from .environment import Component, Launch
from .runner import Executor, Run



def setting(cluster, name: str):
    """A slurm.conf value of the cluster: its file's [slurm_conf] table, else what engine/conf.py reports."""
    return cluster.config.get("slurm_conf", {}).get(name, SLURM_CONF_BASE[name])


class Execution:
    def __init__(self, cluster, spool=None):
        self.cluster = None
        self.executor = Executor(spool, on_exit=self._exited)
        self.attach(cluster)

    def attach(self, cluster) -> None:
        """Serve `cluster` from now on (control API reset/load/restore): the old one's processes are killed."""
        old = self.cluster
        if old is not None and old is not cluster:
            for job_id in list(self.executor.runs):
                self.executor.kill(job_id)
                self.executor.forget(job_id)
            old.execution = None
        self.cluster = cluster
        cluster.execution = self
        self.executor.kill_wait = float(setting(cluster, "KillWait"))

    def close(self) -> None:
        self.executor.shutdown()

    # ---- the controller's clock: wake up for due events without waiting for a request ----------------
    def wake(self, t: float) -> None:
        cluster = self.cluster
        if cluster is not None:
            self.executor.call_later(t - cluster.clock.now(), lambda: self._tick(t))

    def _tick(self, t: float) -> None:
        cluster = self.cluster
        if cluster is None:
            return
        cluster.sync()
        # the loop's timer (monotonic) may fire a hair before `t` on the wall clock: then the event woken for
        # is still pending, and nothing else would wake the controller for it before the next request
        if cluster._events and cluster._events[0][0] <= t:
            self.executor.call_later(max(0.0, t - cluster.clock.now()) + 0.001, lambda: self._tick(t))

    # ---- slurmctld -> slurmd ---------------------------------------------------------------------------
    def start(self, job) -> None:
        """The scheduler started `job`: run its batch script. A hetjob's one script runs on its leader's
        allocation once every component has started (they start in one scheduler pass)."""
        if job.het_job_id is not None:
            members = [j for j in self.cluster.jobs.values() if j.het_job_id == job.het_job_id]
            if not all(m.alloc for m in members):
                return
            job = next(m for m in members if not m.het_job_offset)
        job._exec_steps = lambda now, job=job: [step_record(job, s, now or time.time()) for s in self.steps(job)]
        self.executor.start(self.launch_of(job))

    def stop(self, job) -> None:
        """The controller ended a running job (cancel, time limit, requeue): SIGCONT + SIGTERM to all its
        processes, SIGKILL after KillWait."""
        self.executor.terminate(self._batch_id(job))

    def kill(self, job) -> None:
        """Its node is gone: every process of the job is killed at once."""
        self.executor.kill(self._batch_id(job))

    def deliver(self, job, signum: int, flags) -> None:
        """`DELETE job/{id}?signal=`: without flags to the job's steps (not the batch shell, as scancel -s),
        BATCH_JOB to the batch shell and its children, FULL_JOB / FULL_STEPS_ONLY to both."""
        flags = set(flags or ())
        scope = "batch" if "BATCH_JOB" in flags else ("all" if flags & {"FULL_JOB", "FULL_STEPS_ONLY"} else "steps")
        self.executor.signal(self._batch_id(job), signum, scope)

    @staticmethod
    def _batch_id(job) -> int:
        return job.het_job_id if job.het_job_id is not None else job.job_id

    def launch_of(self, job) -> Launch:
        """batch_job_launch_msg_t for `job`, from its record and its allocation."""
        d = job.desc
        alloc = job.alloc or job.last_alloc
        tasks, step = None, 1
        if job.array_task_id is not None and d.get("array"):
            tasks, step = _array_tasks(str(d["array"]))
        het = None
        if job.het_job_id is not None:
            members = sorted((j for j in self.cluster.jobs.values() if j.het_job_id == job.het_job_id),
                             key=lambda j: j.het_job_offset)
            het = [Component(m.job_id, m.name, m.account, m.partition, m.qos, list(m.alloc),
                             [a[0] for a in m.alloc.values()], tasks=_num(m.desc.get("tasks")),
                             cpus_per_task=_num(m.desc.get("cpus_per_task")) or 1,
                             mem_per_cpu=_num(m.desc.get("memory_per_cpu")),
                             mem_per_node=_num(m.desc.get("memory_per_node")),
                             reservation=m.desc.get("reservation") or "") for m in members]
        mode = d.get("open_mode") or []
        return Launch(
            job_id=job.job_id, name=job.name, user=job.user_name, uid=job.user_id, gid=job.group_id,
            account=job.account, partition=job.partition, qos=job.qos, cluster=self.cluster.name,
            nodes=list(alloc), cpus=[a[0] for a in alloc.values()], start_time=int(job.start_time or 0),
            time_limit=None if job.time_limit is INFINITE else int(job.time_limit), script=d.get("script") or "",
            work_dir=d.get("current_working_directory") or "/tmp", environment=list(d.get("environment") or []),
            argv=[str(a) for a in (d.get("argv") or [])[1:]], stdout=d.get("standard_output") or "",
            stderr=d.get("standard_error") or "", stdin=d.get("standard_input") or "",
            append="APPEND" in (mode if isinstance(mode, list) else [mode]) or
            bool(self.cluster.runtime.get("job_file_append")),
            array_job_id=job.array_job_id or 0, array_task_id=job.array_task_id, array_tasks=tasks,
            array_step=step, het=het, tasks=_num(d.get("tasks")), cpus_per_task=_num(d.get("cpus_per_task")),
            tasks_per_node=_num(d.get("tasks_per_node")), mem_per_cpu=_num(d.get("memory_per_cpu")),
            mem_per_node=_num(d.get("memory_per_node")), licenses=job.licenses,
            reservation=d.get("reservation") or "", restart_count=job.requeue_count,
            slurm_conf=str(self.cluster.runtime.get("slurm_conf", "/etc/slurm/slurm.conf")))

    # ---- slurmd -> slurmctld ---------------------------------------------------------------------------
    def _exited(self, run: Run) -> None:
        cluster = self.cluster
        if cluster is None:
            return
        cluster.process_ended(run.job_id, run)

    # ---- what accounting shows ---------------------------------------------------------------------------
    def steps(self, job) -> list[dict]:
        return self.executor.steps(self._batch_id(job))


def ending_of(run: Run) -> tuple[str, int | None, int | None]:
    """How a batch script's end reads: ("completed"|"failed"|"signaled", return code, signal)."""
    if run.signal is not None:
        return "signaled", None, run.signal
    code = run.exit_code or 0
    return ("failed" if code else "completed"), code, None


def usage_of(run: Run) -> dict:
    return {"user": run.usage.user_cpu, "system": run.usage.sys_cpu, "max_rss_kb": run.usage.max_rss_kb}


def step_record(job, step: dict, now: float) -> dict:
    """A shim step as a v0.0.44 slurmdb step (times, exit code, and TRES usage the way jobacct_gather counts
    it: CPU time in milliseconds, memory in bytes)."""
    start = int(step.get("start") or 0)
    end = int(step["end"]) if step.get("end") else 0
    elapsed = (end or int(now)) - start if start else 0
    sig = step.get("signal")
    code = step.get("exit_code") or 0
    status = "SIGNALED" if sig else ("ERROR" if code else "SUCCESS")
    usage = {"user": float(step.get("user_cpu") or 0), "system": float(step.get("sys_cpu") or 0),
             "max_rss_kb": int(step.get("max_rss_kb") or 0)}
    cpu = _cpu_times(usage)
    nodes = list(step.get("nodes") or [])
    return {
        "time": {"elapsed": max(0, elapsed), "end": end, "start": start, "suspended": 0,
                 "system": cpu["system"], "limit": INFINITE, "total": cpu["total"], "user": cpu["user"]},
        "exit_code": {"status": [status], "return_code": None if sig else code,
                      "signal": {"id": sig, "name": SIGNAL_NAMES.get(sig, "") if sig else ""}},
        "nodes": {"count": len(nodes), "range": compress(nodes) if nodes else "", "list": nodes},
        "tasks": {"count": int(step.get("tasks") or 1)}, "pid": "",
        "CPU": {"requested_frequency": {"min": 0, "max": 0}, "governor": "0"},
        "kill_request_user": "", "state": [step.get("state") or "RUNNING"],
        "statistics": {"CPU": {"actual_frequency": 0}, "energy": {"consumed": 0}},
        "step": {"id": f"{job.job_id}.{step['step_id']}", "name": step.get("name") or "", "stderr": "",
                 "stdin": "", "stdout": "", "stderr_expanded": "", "stdin_expanded": "", "stdout_expanded": ""},
        "task": {"distribution": "Block"},
        "tres": {"requested": _usage_tres(usage),
                 "consumed": {"max": [], "min": [], "average": [], "total": []},
                 "allocated": [{"type": "cpu", "name": "", "id": 1, "count": int(step.get("tasks") or 1)},
                               {"type": "node", "name": "", "id": 4, "count": len(nodes)}]},
    }


def _num(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _array_tasks(spec: str) -> tuple[list, int]:
    """"0-15:4%2" -> ([0, 4, 8, 12], 4): every task id of the array, and its step."""
    spec = spec.split("%")[0]
    ids, step = [], 1
    for part in spec.split(","):
        rng, _, stp = part.partition(":")
        lo, _, hi = rng.partition("-")
        if not lo.strip().isdigit():
            continue
        s = int(stp) if stp.isdigit() and int(stp) > 0 else 1
        step = s if "-" in rng else step
        ids += list(range(int(lo), int(hi or lo) + 1, s))
    return sorted(set(ids)), step

