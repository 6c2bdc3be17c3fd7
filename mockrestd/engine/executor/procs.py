"""A job's processes as one set: the session its batch script was started in.

slurmstepd tracks a job's processes in a cgroup; here each batch script starts a new session, and every
process that has not left it with setsid() is the job's: the script, its children, the `srun` shims and
their tasks (which sit in process groups of their own, as slurmstepd gives each step's tasks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading


def _processes():
    """(pid, process group, session) of every process, from /proc/<pid>/stat (state ppid pgrp session ...)."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
            fields = data[data.rindex(b")") + 2:].split()
            yield int(name), int(fields[2]), int(fields[3])
        except (OSError, ValueError, IndexError):
            continue


def members(sid: int) -> list[int]:
    """The pids in session `sid` (Linux /proc; elsewhere the process group of the same id)."""
    if not os.path.isdir("/proc/self"):
        return [sid]
    return [pid for pid, _, session in _processes() if session == sid]


def peak_rss_by_group(sids) -> dict:
    """{session: {process group: summed peak RSS in kB}} for the sessions in `sids`: one pass over /proc,
    reading each member's VmHWM (its peak since exec, so a process forked from a large parent does not
    count the parent's pages, as wait4's ru_maxrss would)."""
    sids = set(sids)
    out: dict = {}
    if not sids or not os.path.isdir("/proc/self"):
        return out
    for pid, pgrp, sid in _processes():
        if sid not in sids:
            continue
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                hwm = next((int(line.split()[1]) for line in f if line.startswith(b"VmHWM:")), 0)
        except (OSError, ValueError, IndexError):
            continue
        groups = out.setdefault(sid, {})
        groups[pgrp] = groups.get(pgrp, 0) + hwm
    return out


def signal_session(sid: int, signum: int) -> int:
    """Send `signum` to every process of the session; returns how many were signalled."""
    count = 0
    try:
        os.killpg(sid, signum)
        count += 1
    except (ProcessLookupError, PermissionError):
        pass
    for pid in members(sid):
        try:
            os.kill(pid, signum)
            count += 1
        except (ProcessLookupError, PermissionError):
            pass
    return count


def signal_groups(pgids, signum: int) -> None:
    for pgid in pgids:
        try:
            os.killpg(pgid, signum)
        except (ProcessLookupError, PermissionError):
            pass


def alive(sid: int) -> list[int]:
    """The session's processes that are not zombies."""
    out = []
    for pid in members(sid):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                data = f.read()
            if data[data.rindex(b")") + 2:].split()[0] != b"Z":
                out.append(pid)
        except OSError:
            continue
    return out


KILL = signal.SIGKILL


class Reaper:
    """A small process that outlives nothing: it holds the sessions of running jobs and SIGKILLs them when the
    server goes away however it goes (a SIGKILLed or crashed server runs no clean-up of its own; real
    slurmstepd would keep the job, but a mock's jobs must not outlive the mock). It reads "+sid" and "-sid"
    lines on a pipe; end of file (the server's end closed, by exit or by the kernel) is the signal."""

    def __init__(self):
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _send(self, line: str) -> None:
        with self._lock:
            if self._proc is None:
                self._proc = subprocess.Popen([sys.executable, "-I", "-S", __file__, "--reaper"],
                                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                              start_new_session=True, close_fds=True)
            try:
                self._proc.stdin.write(line.encode() + b"\n")
                self._proc.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass

    def add(self, sid: int) -> None:
        self._send(f"+{sid}")

    def drop(self, sid: int) -> None:
        if self._proc is not None:
            self._send(f"-{sid}")

    def close(self) -> None:
        """Kill what is still held and let the reaper end (a clean shutdown)."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None


def _reaper_main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # a Ctrl-C to the server's terminal is not for us
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    held: set[int] = set()
    for raw in sys.stdin.buffer:
        line = raw.strip().decode(errors="replace")
        try:
            (held.add if line[:1] == "+" else held.discard)(int(line[1:]))
        except ValueError:
            continue
    for sid in held:
        signal_session(sid, signal.SIGKILL)


if __name__ == "__main__" and sys.argv[1:] == ["--reaper"]:
    _reaper_main()
