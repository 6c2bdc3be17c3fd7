"""Harness for testing the contract suite: an in-process mock (served by uvicorn in a thread, so a test can
break it on purpose without editing mockrestd) and a runner for the suite in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_SPECS


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class InProcessMock:
    """`mockrestd serve` in this process: `site` and `app` can be patched before requests arrive."""

    def __init__(self, tmp_path: Path, wrap=None):
        from mockrestd.http.app import build_site, create_app
        self.key_file = tmp_path / "jwt_hs256.key"
        self.key_file.write_bytes(os.urandom(32))
        self.site = build_site(specs_dir=str(SHARED_SPECS), jwt_key=str(self.key_file), speed=20)
        self.app = create_app(self.site)
        self.wrap = wrap
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.thread = None

    def start(self):
        import uvicorn

        async def app(scope, receive, send):           # indirection: patches of self.app apply at once
            target = self.wrap(self.app) if self.wrap else self.app
            return await target(scope, receive, send)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off",
                                access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("in-process mock did not start")
            time.sleep(0.05)
        return self

    def stop(self):
        if self.server is not None:
            self.server.should_exit = True
            self.thread.join(10)

    def env(self, report_dir: Path, **extra) -> dict:
        from contract_tests.target import mint
        env = dict(os.environ)
        for name in ("SLURMRESTD_URL", "SLURM_JWT", "SLURM_USER", "SLURM_JWT_KEY_FILE", "CONTRACT_SPEC",
                     "CONTRACT_PHASES", "PYTEST_XDIST_WORKER", "PYTEST_ADDOPTS"):
            env.pop(name, None)
        env.update({
            "SLURMRESTD_URL": self.url, "SLURM_JWT": mint(self.key_file.read_bytes(), "root", 3600),
            "SLURM_JWT_KEY_FILE": str(self.key_file), "CONTRACT_VERSIONS": "v0.0.44",
            "CONTRACT_DESTRUCTIVE": "1", "CONTRACT_REPORT_DIR": str(report_dir), "CONTRACT_SEED": "1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        })
        env.update(extra)
        return env


def run_suite(env: dict, *args: str, timeout: float = 600, module: str = ""):
    """Run `pytest --pyargs contract_tests` in a subprocess; (returncode, output, report or None).
    `module` ("test_crashes") collects that module only: importing them all builds every schemathesis
    schema, which is most of a short run's time."""
    target = f"contract_tests.{module}" if module else "contract_tests"
    cmd = [sys.executable, "-m", "pytest", "--pyargs", target, "-p", "no:cacheprovider", "-q",
           "-p", "no:randomly", *args]
    proc = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=timeout)
    report = Path(env["CONTRACT_REPORT_DIR"]) / "contract-report.json"
    data = json.loads(report.read_text()) if report.exists() else None
    return proc.returncode, proc.stdout + proc.stderr, data


@pytest.fixture
def inproc(tmp_path):
    """Factory: inproc(wrap=None) → a started InProcessMock (stopped after the test)."""
    started = []

    def make(wrap=None):
        m = InProcessMock(tmp_path, wrap).start()
        started.append(m)
        return m
    yield make
    for m in started:
        m.stop()
