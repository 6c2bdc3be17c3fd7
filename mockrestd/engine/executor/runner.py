"""Execute mode: a batch job's script really runs here, as slurmd + slurmstepd would run it.

The scheduler decides when and where a job runs; this module only does what slurmstepd does with it:
write the script to a spool file, open its output files (creating missing directories, as slurmstepd's
`mkdirpath` does), start the script in a new session with the batch environment, watch it end (`wait4`,
which also gives CPU time and max RSS), and kill what is left of the session. Steps are the `srun` shim's
JSON records. Every report to the engine goes through `notify`, onto the event loop the engine lives on."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..hostlist import compress
from .. import stdio
from . import procs
from .environment import Launch, batch_environment

_SHIM = Path(__file__).with_name("srun.py")


@dataclass
class Usage:
    user_cpu: float = 0.0       # seconds
    sys_cpu: float = 0.0
    max_rss_kb: int = 0


@dataclass
class Run:
    """One run of a batch script (a requeued job gets a new one)."""

    launch: Launch
    job_dir: Path
    stdout: str = ""
    stderr: str = ""
    stdin: str = ""
    pid: int | None = None           # also the session id
    started: float = 0.0             # wall time the process started
    ended: float | None = None       # wall time it was reaped
    status: int | None = None        # wait status (os.waitstatus_to_exitcode-able)
    usage: Usage = field(default_factory=Usage)
    message: str = ""                # why it never started, if it did not
    killed: bool = False             # the mock asked for it to end (cancel, time limit, node failure)
    peak: dict = field(default_factory=dict)   # process group -> peak RSS seen (kB), from the sampler
    steps_final: list | None = None
    _timer: threading.Timer | None = None

    @property
    def job_id(self) -> int:
        return self.launch.job_id

    @property
    def exit_code(self) -> int | None:
        return os.WEXITSTATUS(self.status) if self.status is not None and os.WIFEXITED(self.status) else None

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.status) if self.status is not None and os.WIFSIGNALED(self.status) else None


class Executor:
    """Runs batch scripts. `on_exit(run)` is called on the engine's loop when a run's script has ended."""

    def __init__(self, spool: str | Path | None = None, *, kill_wait: float = 30.0, on_exit=None, loop=None,
                 sample_interval: float = 1.0):
        self._own_spool = spool is None
        self.spool = Path(spool or tempfile.mkdtemp(prefix="mockrestd-spool-"))
        self.spool.mkdir(parents=True, exist_ok=True)
        self.kill_wait = float(kill_wait)
        self.on_exit = on_exit
        self.loop = loop
        self.runs: dict[int, Run] = {}
        self.sample_interval = float(sample_interval)   # like JobAcctGatherFrequency (30 s on real clusters)
        self._sampler: threading.Thread | None = None
        self._closed = threading.Event()
        self._reaper = procs.Reaper()      # no job outlives the server, even a SIGKILLed one
        self.bin = self.spool / "bin"
        self.bin.mkdir(exist_ok=True)
        shim = self.bin / "srun"
        shim.write_text(f"#!{sys.executable} -I\n" + _SHIM.read_text())
        shim.chmod(0o755)

    # ---- the engine's side ----------------------------------------------------------------------------------
    def notify(self, fn, *args) -> None:
        """Run `fn(*args)` on the engine's loop (from any thread); directly when there is none."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(fn, *args)
        else:
            fn(*args)

    def call_later(self, delay: float, fn) -> bool:
        """`fn()` on the engine's loop after `delay` seconds (the scheduler's wake-up for due events). Without
        a loop (the engine used outside a server) nothing is scheduled: the next call into it catches up."""
        self._capture_loop()
        if self.loop is None or self.loop.is_closed():
            return False
        self.loop.call_soon_threadsafe(self.loop.call_later, max(0.0, delay), fn)
        return True

    def _capture_loop(self) -> None:
        if self.loop is None:
            try:
                self.loop = asyncio.get_running_loop()
            except RuntimeError:
                pass

    def start(self, launch: Launch) -> Run:
        """Start the batch script of `launch` now; a job that cannot start ends at once (through on_exit)."""
        self._capture_loop()
        old = self.runs.get(launch.job_id)
        if old is not None and old.ended is None:
            self.kill(launch.job_id)
        job_dir = self.spool / f"job{launch.job_id}"
        shutil.rmtree(job_dir, ignore_errors=True)
        job_dir.mkdir(parents=True)
        run = Run(launch=launch, job_dir=job_dir)
        self.runs[launch.job_id] = run
        fields = self.fields(launch)
        run.stdout = stdio.expand(launch.stdout or stdio.default_output(launch.array_task_id is not None), fields)
        run.stderr = stdio.expand(launch.stderr, fields) if launch.stderr else run.stdout
        run.stdin = stdio.expand(launch.stdin, fields) if launch.stdin else "/dev/null"
        script = job_dir / "slurm_script"
        script.write_text(launch.script)
        script.chmod(0o700)
        (job_dir / "launch.json").write_text(json.dumps({
            "nodes": launch.nodes, "cpus": launch.cpus, "tasks": launch.tasks,
            "nodelist": compress(launch.nodes) if launch.nodes else ""}))
        fds, which = [], "stdout"
        try:
            out = self._open_output(run.stdout, launch.append)
            fds.append(out)
            which = "stderr"
            err = out if run.stderr == run.stdout else self._open_output(run.stderr, launch.append)
            if err is not out:
                fds.append(err)
            which = "stdin"
            inp = os.open(run.stdin, os.O_RDONLY | os.O_CLOEXEC)
            fds.append(inp)
        except OSError as e:
            # slurmstepd: "Could not open stdout file ...", the batch task's status is W_EXITCODE(1, 0)
            path = {"stdout": run.stdout, "stderr": run.stderr, "stdin": run.stdin}[which]
            run.message = f"Could not open {which} file {path}: {e.strerror}"
            for fd in fds:
                os.close(fd)
            self._never_started(run, 1)
            return run
        try:
            problem = self._exec_problem(launch.script, script)
            if problem:
                run.message, code = problem
                os.write(err, f"slurmstepd: error: {run.message}\n".encode())
                self._never_started(run, code)
                return run
            cwd = launch.work_dir
            if not (os.path.isdir(cwd) and os.access(cwd, os.X_OK)):
                why = os.strerror(errno.ENOENT if not os.path.exists(cwd) else errno.EACCES)
                os.write(err, f"slurmstepd: error: couldn't chdir to `{cwd}': {why}: going to /tmp instead\n"
                         .encode())
                cwd = "/tmp"
            env = batch_environment(launch)
            env["PATH"] = f"{self.bin}:{env['PATH']}" if env.get("PATH") else f"{self.bin}:/usr/bin:/bin"
            prelude = ("" if "PWD" in env else "unset PWD; ") + 'SLURM_TASK_PID=$$; export SLURM_TASK_PID; ' \
                'exec "$0" "$@"'
            import subprocess
            proc = subprocess.Popen(["/bin/sh", "-c", prelude, str(script), *map(str, launch.argv)], env=env,
                                    cwd=cwd, stdin=inp, stdout=out, stderr=err, start_new_session=True,
                                    close_fds=True)
        except OSError as e:
            run.message = f"execve(): {script}: {e.strerror}"
            self._never_started(run, e.errno or 1)
            return run
        finally:
            for fd in fds:
                os.close(fd)
        run.pid, run.started = proc.pid, time.time()
        self._reaper.add(proc.pid)
        proc.returncode = 0       # reaped by the watcher below, never by Popen
        self._sample([run])
        if self._sampler is None:
            self._sampler = threading.Thread(target=self._sample_loop, name="mockrestd-jobacct", daemon=True)
            self._sampler.start()
        threading.Thread(target=self._watch, args=(run,), name=f"mockrestd-job{launch.job_id}",
                         daemon=True).start()
        return run

    @staticmethod
    def fields(launch: Launch) -> stdio.Fields:
        return stdio.Fields(job_id=launch.job_id, work_dir=launch.work_dir, array_job_id=launch.array_job_id,
                            array_task_id=launch.array_task_id, job_name=launch.name, user=launch.user,
                            node=launch.nodes[0] if launch.nodes else "", restart_count=launch.restart_count)

    @staticmethod
    def _open_output(path: str, append: bool) -> int:
        flags = os.O_CREAT | os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC | (0 if append else os.O_TRUNC)
        try:
            return os.open(path, flags, 0o666)
        except FileNotFoundError:            # slurmstepd: mkdirpath(ofname, 0755), then once more
            os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
            return os.open(path, flags, 0o666)

    @staticmethod
    def _exec_problem(text: str, script: Path):
        """What execve() would refuse, with slurmstepd's message (src/slurmd/slurmstepd/task.c) and the
        exit code it leaves (errno)."""
        first = (text or "").split("\n", 1)[0]
        if not first.startswith("#!"):
            return f"execve(): {script}: {os.strerror(errno.ENOEXEC)}", errno.ENOEXEC
        interp = first[2:].strip().split(None, 1)
        if not interp or not os.access(interp[0], os.X_OK):
            return f"execve(): bad interpreter({first[2:]}): {os.strerror(errno.ENOENT)}", errno.ENOENT
        return None

    def _never_started(self, run: Run, code: int) -> None:
        run.started = run.ended = time.time()
        run.status = (code & 0xFF) << 8
        run.steps_final = []
        shutil.rmtree(run.job_dir, ignore_errors=True)
        self.notify(self._report, run)

    def _sample_loop(self) -> None:
        while not self._closed.wait(self.sample_interval):
            self._sample([r for r in list(self.runs.values()) if r.pid is not None and r.ended is None])

    @staticmethod
    def _sample(runs) -> None:
        """One jobacct_gather pass: the peak RSS of each process group of each running job."""
        by_sid = procs.peak_rss_by_group(r.pid for r in runs)
        for run in runs:
            for pgrp, kb in by_sid.get(run.pid, {}).items():
                if kb > run.peak.get(pgrp, 0):
                    run.peak[pgrp] = kb

    def _watch(self, run: Run) -> None:
        while True:
            try:
                _pid, status, ru = os.wait4(run.pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:        # somebody else reaped it: no status to tell
                status, ru = 0, None
                break
        run.ended = time.time()
        run.status = status
        if ru is not None:        # CPU time from wait4; its ru_maxrss counts the server's pages (fork)
            run.usage = Usage(ru.ru_utime, ru.ru_stime, run.peak.get(run.pid, 0))
        # the batch step is over: what is left of the job goes with it (proctrack kills the container)
        procs.signal_session(run.pid, signal.SIGKILL)
        self._reaper.drop(run.pid)
        run.steps_final = self._read_steps(run, final=True)
        for step in run.steps_final:
            run.usage.max_rss_kb = max(run.usage.max_rss_kb, int(step.get("max_rss_kb") or 0))
        if run._timer is not None:
            run._timer.cancel()
        shutil.rmtree(run.job_dir, ignore_errors=True)
        self.notify(self._report, run)

    def _report(self, run: Run) -> None:
        if self.runs.get(run.job_id) is run and self.on_exit is not None:
            self.on_exit(run)

    # ---- what the controller asks for -------------------------------------------------------------------------
    def signal(self, job_id: int, signum: int, scope: str = "steps") -> bool:
        """Deliver `signum` as slurmstepd does: "steps" (the default of scancel -s: the job's steps, not the
        batch shell), "batch" (BATCH_JOB: the batch shell and its children), "all" (FULL_JOB)."""
        run = self.runs.get(job_id)
        if run is None or run.pid is None or run.ended is not None:
            return False
        if scope in ("batch", "all"):
            try:
                os.killpg(run.pid, signum)
            except ProcessLookupError:
                pass
        if scope in ("steps", "all"):
            procs.signal_groups([g for s in self._read_steps(run) if s.get("end") is None
                                 for g in s.get("pgids", [])], signum)
        return True

    def terminate(self, job_id: int, kill_wait: float | None = None) -> None:
        """End the whole job as slurmstepd does when it is killed: SIGCONT and SIGTERM to every process,
        SIGKILL to what is left after KillWait seconds."""
        run = self.runs.get(job_id)
        if run is None or run.pid is None or run.ended is not None:
            return
        run.killed = True
        procs.signal_session(run.pid, signal.SIGCONT)
        procs.signal_session(run.pid, signal.SIGTERM)
        wait = self.kill_wait if kill_wait is None else float(kill_wait)
        if run._timer is None:
            run._timer = threading.Timer(wait, self._kill_if_running, args=(run,))
            run._timer.daemon = True
            run._timer.start()

    def kill(self, job_id: int) -> None:
        """SIGKILL every process of the job now (node failure, shutdown)."""
        run = self.runs.get(job_id)
        if run is not None and run.pid is not None and run.ended is None:
            run.killed = True
            procs.signal_session(run.pid, signal.SIGKILL)

    def _kill_if_running(self, run: Run) -> None:
        if run.ended is None:
            procs.signal_session(run.pid, signal.SIGKILL)

    def forget(self, job_id: int) -> None:
        self.runs.pop(job_id, None)

    def steps(self, job_id: int) -> list[dict]:
        """The job's steps so far (the shim's records), oldest first."""
        run = self.runs.get(job_id)
        if run is None:
            return []
        return run.steps_final if run.steps_final is not None else self._read_steps(run)

    @staticmethod
    def _read_steps(run: Run, final: bool = False) -> list[dict]:
        out = []
        folder = run.job_dir / "steps"
        if not folder.is_dir():
            return out
        for path in sorted(folder.glob("*.json"), key=lambda p: int(p.stem) if p.stem.isdigit() else -1):
            try:
                step = json.loads(path.read_text() or "null")
            except (OSError, ValueError):
                step = None
            if not step:
                continue
            if final and step.get("end") is None:       # killed with the job
                step.update(end=run.ended, state="CANCELLED", signal=signal.SIGKILL, exit_code=0)
            step["max_rss_kb"] = max([run.peak.get(g, 0) for g in step.get("pgids", [])] or [0])
            out.append(step)
        return out

    def shutdown(self) -> None:
        """Kill every running job and remove the spool (the server is going away, or the cluster reset)."""
        self._closed.set()
        for job_id in list(self.runs):
            self.kill(job_id)
        self._reaper.close()
        if self._own_spool:
            shutil.rmtree(self.spool, ignore_errors=True)
