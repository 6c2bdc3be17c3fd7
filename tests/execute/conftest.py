"""A real `mockrestd serve --execute` on a free port (real time), and helpers to submit and wait."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_server

CLUSTER = """
[cluster]
name = "exec"

[runtime]
sched_interval = 0.2
requeue_delay = 1

[slurm_conf]
KillWait = 1

[[nodes]]
names = "small[1-2]"
cpus = 2
real_memory = 4000

[[nodes]]
names = "big[1-2]"
cpus = 16
real_memory = 64000

[[nodes]]
names = "side1"
cpus = 2
real_memory = 4000

[[partitions]]
name = "side"
nodes = "side1"
default = false
max_time = "UNLIMITED"

[[partitions]]
name = "work"
nodes = "big[1-2]"
default = true
max_time = "UNLIMITED"

[[partitions]]
name = "four"
nodes = "small[1-2]"
default = false
max_time = "UNLIMITED"
"""


class Client:
    """The Slurm API of one execute-mode server, as alice."""

    def __init__(self, served, tmp: Path):
        self.served, self.url, self.tmp = served, served.url, tmp
        self.headers = {"X-SLURM-USER-TOKEN": served.token("alice")}

    def get(self, path: str, **kw) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.headers, timeout=10, **kw)

    def submit(self, script: str, cwd: Path, version: str = "v0.0.44", **fields) -> int:
        desc = {"script": script, "environment": ["PATH=/usr/bin:/bin"], "current_working_directory": str(cwd)}
        desc.update(fields)
        r = httpx.post(f"{self.url}/slurm/{version}/job/submit", headers=self.headers, json={"job": desc},
                       timeout=10)
        assert r.status_code == 200 and r.json().get("job_id"), r.text
        return r.json()["job_id"]

    def job(self, job_id, version: str = "v0.0.44") -> dict:
        r = self.get(f"/slurm/{version}/job/{job_id}")
        assert r.status_code == 200, r.text
        return r.json()["jobs"][0]

    def wait(self, job_id, states=("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL"), timeout=15,
             version: str = "v0.0.44") -> dict:
        deadline = time.time() + timeout
        while True:
            job = self.job(job_id, version)
            if set(job["job_state"]) & set(states):
                return job
            assert time.time() < deadline, f"job {job_id} still {job['job_state']} after {timeout} s"
            time.sleep(0.05)

    def db_job(self, job_id) -> list:
        r = self.get(f"/slurmdb/v0.0.44/job/{job_id}")
        assert r.status_code == 200, r.text
        return r.json()["jobs"]

    def control(self, method: str, path: str, **kw) -> httpx.Response:
        return httpx.request(method, f"{self.url}/mockrestd/v1{path}", timeout=10, **kw)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("execute")
    cluster = tmp / "cluster.toml"
    cluster.write_text(CLUSTER)
    served = start_server(tmp, "--execute", "--cluster", str(cluster), speed=1)
    log = tmp / "server.log"
    # the server's output goes to a file, not an unread pipe that could fill up and stall it
    threading.Thread(target=_drain, args=(served.proc.stdout, log), daemon=True).start()
    yield Client(served, tmp)
    served.proc.terminate()
    served.proc.wait(10)
    text = log.read_text()
    assert "Traceback" not in text and "Exception in callback" not in text, text[-4000:]


def _drain(pipe, path: Path) -> None:
    with open(path, "wb") as f:
        for line in iter(pipe.readline, b""):
            f.write(line)
            f.flush()
