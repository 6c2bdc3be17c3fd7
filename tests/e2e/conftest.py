"""A real `mockrestd serve` process on a free port, as a user starts it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SHARED_SPECS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, url, key_file, proc, started_in):
        self.url, self.key_file, self.proc, self.started_in = url, key_file, proc, started_in

    def token(self, user="alice", lifespan=1800) -> str:
        out = subprocess.run([sys.executable, "-m", "mockrestd", "token", f"username={user}",
                              f"lifespan={lifespan}", "--jwt-key", str(self.key_file)],
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out.startswith("SLURM_JWT=")
        return out.split("=", 1)[1]


def start_server(tmp_path: Path, *extra: str, speed: float = 20.0) -> Served:
    key = tmp_path / "jwt_hs256.key"
    key.write_bytes(os.urandom(32))
    port = free_port()
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mockrestd", "serve", f"127.0.0.1:{port}", "--jwt-key", str(key),
                             "--specs", str(SHARED_SPECS), "--speed", str(speed), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    served = Served(url, key, proc, 0.0)
    token = served.token("alice")
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mockrestd serve exited: {proc.stdout.read().decode()[-2000:]}")
        try:
            r = httpx.get(f"{url}/slurm/v0.0.44/ping/", headers={"X-SLURM-USER-TOKEN": token}, timeout=1)
            if r.status_code == 200:
                served.started_in = time.perf_counter() - started
                return served
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("mockrestd serve did not answer ping in 30 s")


@pytest.fixture
def served(tmp_path):
    s = start_server(tmp_path)
    yield s
    s.proc.terminate()
    s.proc.wait(10)
