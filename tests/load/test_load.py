"""50 clients submit, update and cancel at once against a real `mockrestd serve --state-dir`, for a few
seconds on loopback; then nothing may be lost, doubled or miscounted, in /slurm, /slurmdb, diag, and in
what the state folder brings back after a restart."""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx

from tests.e2e.conftest import start_server

V = "v0.0.44"
CLIENTS, SECONDS = 50, 8
JOB = {"script": "#!/bin/sh\nsleep 2\n", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def _client(url, token, n, stop, out):
    """Submit; rename it; cancel every second one. Every 5th job is not held: it runs and completes."""
    mine = out[n] = {"submitted": [], "updated": set(), "cancelled": set(), "errors": []}
    with httpx.Client(base_url=url, headers={"X-SLURM-USER-TOKEN": token}, timeout=30) as c:
        k = 0
        while not stop.is_set():
            name = f"c{n}-{k}"
            r = c.post(f"/slurm/{V}/job/submit", json={"job": dict(JOB, name=name, hold=k % 5 != 0)})
            if r.status_code != 200:
                mine["errors"].append(r.text)
                return
            job_id = r.json()["job_id"]
            mine["submitted"].append((job_id, name))
            if k % 5:           # the held ones: still pending, so they can be updated and cancelled
                r = c.post(f"/slurm/{V}/job/{job_id}", json={"comment": f"upd-{name}"})
                if r.status_code != 200:
                    mine["errors"].append(r.text)
                    return
                mine["updated"].add(job_id)
                if k % 2:
                    r = c.delete(f"/slurm/{V}/job/{job_id}")
                    if r.status_code != 200:
                        mine["errors"].append(r.text)
                        return
                    mine["cancelled"].add(job_id)
            k += 1


def _get(c, path):
    r = c.get(path)
    assert r.status_code == 200, r.text
    return r.json()


def test_fifty_clients_lose_nothing(tmp_path):
    served = start_server(tmp_path, "--state-dir", str(tmp_path / "cluster-state"), speed=1)
    try:
        token = served.token()
        stop, out = threading.Event(), {}
        threads = [threading.Thread(target=_client, args=(served.url, token, n, stop, out)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(SECONDS)
        stop.set()
        for t in threads:
            t.join(60)
        errors = [e for o in out.values() for e in o["errors"]]
        assert not errors, errors[:3]
        submitted = [s for o in out.values() for s in o["submitted"]]
        updated = set().union(*(o["updated"] for o in out.values()))
        cancelled = set().union(*(o["cancelled"] for o in out.values()))
        ids = [i for i, _ in submitted]
        assert len(ids) == len(set(ids)), "a job id was given twice"
        for o in out.values():                  # each client saw its ids increase
            assert [i for i, _ in o["submitted"]] == sorted(i for i, _ in o["submitted"])
        assert sorted(ids) == list(range(1, len(ids) + 1)), "ids are not the next ones in turn"

        with httpx.Client(base_url=served.url, headers={"X-SLURM-USER-TOKEN": token}, timeout=60) as c:
            c.post("/mockrestd/v1/clock", json={"freeze": True})   # the counts below at one instant
            listed = _get(c, f"/slurm/{V}/jobs/")["jobs"]
            accounted = _get(c, f"/slurmdb/{V}/jobs/")["jobs"]
            diag = _get(c, f"/slurm/{V}/diag/")["statistics"]
        print(f"load: {CLIENTS} clients, {len(ids)} submits, {len(updated)} updates, {len(cancelled)} cancels "
              f"in {SECONDS} s; diag {diag['jobs_submitted']} submitted, {diag['jobs_canceled']} cancelled")
        for jobs in (listed, accounted):
            counts = Counter(j["job_id"] for j in jobs)
            assert not [i for i, n in counts.items() if n > 1], "a job is listed twice"
            assert set(counts) == set(ids), "a listing lost a job or shows one nobody submitted"
        names = dict(submitted)
        by_id = {j["job_id"]: j for j in listed}
        assert all(by_id[i]["name"] == names[i] for i in ids)
        assert all(by_id[i]["comment"] == f"upd-{names[i]}" for i in updated)
        assert all(by_id[i]["job_state"] == ["CANCELLED"] for i in cancelled)
        states = Counter(j["job_state"][0] for j in listed)
        assert diag["jobs_submitted"] == len(ids)
        assert diag["jobs_canceled"] == states["CANCELLED"] == len(cancelled)
        assert diag["jobs_completed"] == states["COMPLETED"]
        assert diag["jobs_pending"] == states["PENDING"] and diag["jobs_running"] == states["RUNNING"]
        assert diag["jobs_failed"] == 0
        assert diag["jobs_started"] == states["COMPLETED"] + states["RUNNING"]
        assert sum(states.values()) == len(ids)
    finally:
        served.proc.kill()
        served.proc.wait(10)

    again = start_server(tmp_path, "--state-dir", str(tmp_path / "cluster-state"), speed=1)
    try:
        with httpx.Client(base_url=again.url, headers={"X-SLURM-USER-TOKEN": again.token()}, timeout=60) as c:
            back = {j["job_id"]: j for j in _get(c, f"/slurm/{V}/jobs/")["jobs"]}
        assert set(back) == set(ids)
        # the clock was frozen (and that was committed too): everything reads as it did before the kill
        assert all(back[i]["comment"] == by_id[i]["comment"] and back[i]["job_state"] == by_id[i]["job_state"]
                   for i in ids)
    finally:
        again.proc.kill()
        again.proc.wait(10)
