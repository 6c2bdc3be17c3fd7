"""Test harness: the real ASGI app (gate + connexion + handlers) on a manual clock, with token helpers."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from mockrestd.auth import KeyRing, mint_token
from mockrestd.engine import Cluster
from mockrestd.engine.clock import ManualClock
from mockrestd.http.app import Site, create_app
from mockrestd.profiles import profile_for

V = "v0.0.44"


class MockHarness:
    def __init__(self, spec_set, key_file, *, release="25.11.7", cluster=None, start=1_760_000_000):
        self.key_file = key_file
        self.key = key_file.read_bytes()
        self.clock = ManualClock(start)
        cluster = cluster or Cluster.default(clock=self.clock)
        self.site = Site(cluster=cluster, specs=spec_set, keyring=KeyRing.from_files(jwt_key=key_file),
                         profile=profile_for(release))
        self.app = create_app(self.site)
        self.client = TestClient(self.app, raise_server_exceptions=False)

    @property
    def cluster(self):
        return self.site.cluster

    def token(self, user="alice", lifespan=1800, now=None):
        """A token stamped in wall time, as `scontrol token` stamps it (the cluster clock is not its clock)."""
        return mint_token(self.key, user, lifespan, now=time.time() if now is None else now)

    def headers(self, user="alice", style="bearer"):
        token = self.token(user)
        if style == "bearer":
            return {"Authorization": f"Bearer {token}"}
        return {"X-SLURM-USER-TOKEN": token, "X-SLURM-USER-NAME": user}

    def request(self, method, path, *, user="alice", headers=None, **kw):
        h = self.headers(user) if headers is None else headers
        return self.client.request(method, path, headers=h, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def submit(self, job=None, *, user="alice", version=V, **fields):
        desc = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"],
                "current_working_directory": "/tmp"}
        desc.update(job or {})
        desc.update(fields)
        r = self.post(f"/slurm/{version}/job/submit", json={"job": desc}, user=user)
        assert r.status_code == 200, r.text
        return r.json()["job_id"]

    def job(self, job_id, version=V):
        r = self.get(f"/slurm/{version}/job/{job_id}")
        assert r.status_code == 200, r.text
        return r.json()["jobs"]

    def advance(self, seconds):
        self.clock.advance(seconds)

    def close(self):
        self.client.close()


def cluster_state(cluster) -> dict:
    """The cluster's snapshot without its request counters (`stats.rpcs` counts refused requests too):
    what a refused request must leave as it was."""
    snap = cluster.snapshot()
    snap["state"] = {k: v for k, v in snap["state"].items() if k != "stats"}
    return snap


JOB_KEYS = {"job_id", "step_id", "job_submit_user_msg", "result"}


def assert_submit_refused(r, number: int, error: str) -> None:
    """A submit the controller refused: 500, one error from slurm_submit_batch_job(), no job keys."""
    assert r.status_code == 500, r.text
    body = r.json()
    assert [(e["error_number"], e["error"], e["description"], e["source"]) for e in body["errors"]] == [
        (number, error, "Batch job submission failed", "slurm_submit_batch_job()")]
    assert not JOB_KEYS & set(body)
