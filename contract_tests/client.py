"""A small httpx client for the scenarios: one API version, the target's auth, small jobs that any real
cluster can run (1 task, `sleep`, environment and cwd /tmp), every submitted job cancelled at the end,
every request counted for the report."""

from __future__ import annotations

import os
import time

import httpx

from . import liveness, recorder
from .specdoc import operation_for
from .target import Target

FINISHED = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED",
            "BOOT_FAIL", "DEADLINE"}


def number(value):
    """A plain value from Slurm's `{set, infinite, number}` wrapper (None when unset)."""
    if isinstance(value, dict) and "number" in value:
        if value.get("infinite"):
            return float("inf")
        return value["number"] if value.get("set", True) else None
    return value


def base_state(job: dict) -> str:
    state = job.get("job_state")
    if isinstance(state, list):
        return state[0] if state else ""
    return str(state or "")


def curl_line(request: httpx.Request) -> str:
    """A curl command for an httpx request, the token filtered out."""
    secret = {"x-slurm-user-token", "authorization"}
    parts = [f"curl -X {request.method} '{request.url}'"]
    parts += [f"-H '{k}: {'[Filtered]' if k.lower() in secret else v}'" for k, v in request.headers.items()
              if k.lower() not in ("host", "content-length", "accept-encoding", "connection", "user-agent", "accept")]
    body = request.content if isinstance(request.stream, httpx.ByteStream) else b""
    if body:
        text = body[:2000].decode("utf-8", "replace")
        parts.append("-d '" + text.replace("'", "'\\''") + "'")
    return " ".join(parts)


class Slurm:
    def __init__(self, target: Target, version: str, test: str = "scenario"):
        self.target, self.version, self.test = target, version, test
        self.http = httpx.Client(base_url=target.url, timeout=float(os.environ.get("CONTRACT_REQUEST_TIMEOUT", 30)))
        self.submitted: list[int] = []
        self.poll = 0.1 if target.is_mock else 0.5
        self.patience = float(os.environ.get("CONTRACT_JOB_TIMEOUT", 120))

    # -- HTTP ----------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, headers: dict | None = None, auth: bool = True, **kw):
        h = dict(self.target.headers()) if auth else {}
        h.update(headers or {})
        request = self.http.build_request(method, path, headers=h, **kw)
        if liveness.dead() is not None:
            raise liveness.TargetDied(liveness.dead())
        liveness.sent(curl_line(request))
        try:
            r = self.http.send(request)
        except httpx.HTTPError as exc:
            liveness.check(exc, f"{self.test}: {method} {path}")
            raise
        liveness.answered()
        recorder.request(self.test, operation_for(method, path), method, path, r.status_code)
        return r

    def slurm(self, method: str, tail: str, **kw):
        return self.request(method, f"/slurm/{self.version}/{tail}", **kw)

    def get(self, tail: str, **kw):
        return self.slurm("GET", tail, **kw)

    # -- cluster facts -------------------------------------------------------------------------------------
    def nodes(self) -> list[dict]:
        r = self.get("nodes/")
        assert r.status_code == 200, r.text
        return r.json().get("nodes", [])

    def total_cpus(self) -> int:
        return sum(int(number(n.get("cpus")) or 0) for n in self.nodes())

    # -- jobs ----------------------------------------------------------------------------------------------
    def desc(self, script: str = "sleep 2", **fields) -> dict:
        """A small job any cluster can run; `script` lines go after the shebang. It asks for 100 MB: without
        DefMemPerCPU a job that asks for no memory gets the whole node's, so two never share a node."""
        d = {"script": "#!/bin/bash\n" + script + "\n", "environment": ["PATH=/bin:/usr/bin:/usr/local/bin"],
             "current_working_directory": "/tmp", "name": f"contract-{self.test}"[:60], "tasks": 1,
             "time_limit": {"set": True, "infinite": False, "number": 5},
             "memory_per_node": {"set": True, "infinite": False, "number": 100}}
        partition = os.environ.get("CONTRACT_PARTITION")
        if partition:
            d["partition"] = partition
        d.update(fields)
        return d

    def submit_raw(self, body: dict):
        return self.slurm("POST", "job/submit", json=body)

    def submit(self, script: str = "sleep 2", **fields) -> int:
        r = self.submit_raw({"job": self.desc(script, **fields)})
        assert r.status_code == 200, f"submit answered {r.status_code}: {r.text[:800]}"
        job_id = int(r.json()["job_id"])
        self.submitted.append(job_id)
        return job_id

    def jobs(self, job_id) -> list[dict]:
        r = self.get(f"job/{job_id}")
        assert r.status_code == 200, f"GET job/{job_id} answered {r.status_code}: {r.text[:800]}"
        return r.json().get("jobs", [])

    def job(self, job_id) -> dict:
        """The record whose job_id is `job_id` (a GET may return array tasks or hetjob components too)."""
        records = self.jobs(job_id)
        for rec in records:
            if int(rec.get("job_id", -1)) == int(job_id):
                return rec
        assert records, f"GET job/{job_id} returned no record"
        return records[0]

    def wait(self, job_id, predicate, what: str, timeout: float | None = None) -> dict:
        """Poll the job until `predicate(record)`; returns the record; fails with the states it saw."""
        deadline = time.time() + (timeout or self.patience)
        seen = []
        while True:
            rec = self.job(job_id)
            state = (base_state(rec), rec.get("state_reason"))
            if not seen or seen[-1] != state:
                seen.append(state)
            if predicate(rec):
                return rec
            if time.time() > deadline:
                raise AssertionError(f"job {job_id}: {what} not reached in time; states seen: {seen}")
            time.sleep(self.poll)

    def wait_state(self, job_id, *states: str, timeout: float | None = None) -> dict:
        return self.wait(job_id, lambda r: base_state(r) in states, f"state in {states}", timeout)

    def wait_finished(self, job_id, timeout: float | None = None) -> dict:
        return self.wait(job_id, lambda r: base_state(r) in FINISHED
                         and "COMPLETING" not in (r.get("job_state") or []), "a final state", timeout)

    def update(self, job_id, **fields):
        return self.slurm("POST", f"job/{job_id}", json=fields)

    def cancel(self, job_id, **params):
        return self.slurm("DELETE", f"job/{job_id}", params=params)

    def cleanup(self) -> None:
        """Cancel what this client submitted and is still alive (a no-op for finished jobs)."""
        for job_id in self.submitted:
            try:
                self.request("DELETE", f"/slurm/{self.version}/job/{job_id}")
            except httpx.HTTPError:
                pass
        self.http.close()
