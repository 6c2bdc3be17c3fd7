"""Execute mode from the command line: what it refuses to start, and that no job outlives the server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import SHARED_SPECS
from tests.e2e.conftest import free_port, start_server
from tests.execute.conftest import CLUSTER, Client, _drain


def _serve(tmp_path, *args, timeout=30):
    key = tmp_path / "k.key"
    key.write_bytes(os.urandom(32))
    return subprocess.run([sys.executable, "-m", "mockrestd", "serve", "--jwt-key", str(key), "--specs",
                           str(SHARED_SPECS), *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state")))


@pytest.mark.parametrize("args, says", [
    (["--execute", "--speed", "10"], "--speed 10 is refused"),
    (["--execute", "--speed", "0.5"], "--speed 0.5 is refused"),
    (["--execute", "0.0.0.0:{port}"], "add --execute-allow-remote"),
])
def test_execute_refuses_what_it_cannot_do_safely(tmp_path, args, says):
    args = [a.format(port=free_port()) for a in args]
    done = _serve(tmp_path, *args)
    assert done.returncode != 0
    assert says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def _job_processes(marker: str) -> list[int]:
    """Processes whose command line holds `marker` (the job scripts' own `sleep`s)."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        out.append(int(name))
            except OSError:
                pass
    return [p for p in out if _not_zombie(p)]


def _not_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:].split()[0] != b"Z"
    except OSError:
        return False


def _wait_gone(marker: str, seconds: float = 10) -> list[int]:
    deadline = time.time() + seconds
    while (left := _job_processes(marker)) and time.time() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_no_job_process_outlives_the_server(tmp_path, how):
    """A SIGKILLed server runs none of its own clean-up: its reaper still ends every running job's tree
    (batch shell, its children and srun steps); a SIGTERMed one ends them itself."""
    cluster = tmp_path / "cluster.toml"
    cluster.write_text(CLUSTER)
    served = start_server(tmp_path, "--execute", "--cluster", str(cluster), speed=1)
    threading.Thread(target=_drain, args=(served.proc.stdout, tmp_path / "log"), daemon=True).start()
    client = Client(served, tmp_path)
    marker = f"31{os.getpid() % 1000:03d}{how:02d}"        # a sleep length no other process uses
    ids = [client.submit(f"#!/bin/bash\nsleep {marker} &\nsrun sleep {marker}\nwait\n", tmp_path)
           for _ in range(2)]
    deadline = time.time() + 15
    while len(_job_processes(marker)) < 4:
        assert time.time() < deadline, f"jobs {ids} never started their sleeps"
        time.sleep(0.1)
    served.proc.send_signal(how)
    served.proc.wait(15)
    left = _wait_gone(marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], f"{len(left)} job processes outlived the server ({how.name})"
