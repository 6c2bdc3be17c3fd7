"""`serve --state-dir`: a real process is stopped (SIGTERM) or killed (SIGKILL) mid-burst and started again on
the same folder; every answered submit must be there, and ids go on from where they were."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from tests.e2e.conftest import start_server

V = "v0.0.44"
# held: they stay pending, and a scheduler pass passes over them at once
SCRIPT = {"script": "#!/bin/sh\nsleep 3000\n", "environment": ["PATH=/bin"], "current_working_directory": "/tmp",
          "hold": True}


def _jobs(served, family="slurm") -> dict:
    r = httpx.get(f"{served.url}/{family}/{V}/jobs/", headers={"X-SLURM-USER-TOKEN": served.token()}, timeout=30)
    assert r.status_code == 200, r.text
    return {j["job_id"]: j for j in r.json()["jobs"]}


def _submit(client, name) -> int:
    r = client.post(f"/slurm/{V}/job/submit", json={"job": dict(SCRIPT, name=name)})
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


def _burst(served, clients: int, answered: dict, sent: list, errors: list, stop: threading.Event):
    """Submitting clients until the server goes away: `answered` job id -> name; `sent` counts tries."""
    token = served.token()

    def run(n):
        with httpx.Client(base_url=served.url, headers={"X-SLURM-USER-TOKEN": token}, timeout=10) as c:
            k = 0
            while not stop.is_set():
                name = f"c{n}-{k}"
                k += 1
                sent.append(name)
                try:
                    r = c.post(f"/slurm/{V}/job/submit", json={"job": dict(SCRIPT, name=name)})
                except httpx.HTTPError:
                    return
                if r.status_code != 200:
                    errors.append(r.text)
                    return
                answered[r.json()["job_id"]] = name
    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    return threads


def test_sigkill_mid_burst_loses_no_answered_submit(tmp_path):
    state = tmp_path / "cluster-state"
    served = start_server(tmp_path, "--state-dir", str(state), speed=1)
    answered, sent, errors, stop = {}, [], [], threading.Event()
    threads = _burst(served, 6, answered, sent, errors, stop)
    deadline = time.monotonic() + 60
    while len(answered) < 300 and not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    served.proc.send_signal(signal.SIGKILL)
    served.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(15)
    seen = dict(answered)
    assert not errors, errors[:3]

    again = start_server(tmp_path, "--state-dir", str(state), speed=1)
    try:
        jobs = _jobs(again)
        print(f"SIGKILL: sent {len(sent)}, answered {len(seen)}, recovered {len(jobs)}")
        assert len(seen) >= 300
        missing = {i: n for i, n in seen.items() if jobs.get(i, {}).get("name") != n}
        assert not missing, f"{len(missing)} answered submits lost: {sorted(missing)[:10]}"
        assert all(jobs[i]["user_name"] == "alice" and jobs[i]["partition"] for i in seen)
        assert len(jobs) <= len(sent)            # nothing made up; at most the unanswered tries beside
        with httpx.Client(base_url=again.url, headers={"X-SLURM-USER-TOKEN": again.token()}, timeout=10) as c:
            new_id = _submit(c, "after")
        assert new_id > max(jobs), "ids must go on increasing after the restart"
        assert set(_jobs(again, "slurmdb")) >= set(seen)
    finally:
        again.proc.kill()
        again.proc.wait(10)


def test_sigterm_answers_in_flight_writes_state_and_exits_0(tmp_path):
    state = tmp_path / "cluster-state"
    served = start_server(tmp_path, "--state-dir", str(state), speed=1)
    token = served.token()
    with httpx.Client(base_url=served.url, headers={"X-SLURM-USER-TOKEN": token}, timeout=30) as c:
        first = _submit(c, "before")
        c.post("/mockrestd/v1/faults", json={"kind": "latency", "operation": "post_job_submit", "latency": 1.5})
        box = {}
        slow = threading.Thread(target=lambda: box.update(id=_submit(c, "in-flight")))
        slow.start()
        time.sleep(0.5)            # the submit is in the server, waiting out its latency
        served.proc.send_signal(signal.SIGTERM)
        slow.join(20)
    assert served.proc.wait(20) == 0, served.proc.stdout.read().decode()[-2000:]
    assert box.get("id") == first + 1
    assert (state / "journal.jsonl").stat().st_size == 0       # folded into state.json at the stop

    again = start_server(tmp_path, "--state-dir", str(state), speed=1)
    try:
        jobs = _jobs(again)
        assert jobs[first]["name"] == "before" and jobs[first + 1]["name"] == "in-flight"
    finally:
        again.proc.terminate()
        again.proc.wait(10)
