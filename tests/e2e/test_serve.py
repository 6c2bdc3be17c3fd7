"""`mockrestd serve` + `mockrestd token` as a client developer uses them, with the generated client."""

import subprocess
import sys

import httpx
import pytest

from tests.conftest import SHARED

SEED = SHARED / "acceptance" / "seed_examples.py"


def test_serve_answers_ping_and_token_works(served):
    token = served.token("alice")
    r = httpx.get(f"{served.url}/slurm/v0.0.44/ping/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert r.json()["pings"][0]["pinged"] == "UP"
    assert served.started_in < 15   # the figure itself is printed by bench/bench.py
    assert httpx.get(f"{served.url}/slurm/v0.0.44/jobs/").status_code == 401


def test_training_examples_pass_unchanged(served):
    """../shared/acceptance/seed_examples.py: 9/9 against real slurmrestd 25.11.7; the mock must too."""
    assert SEED.is_file()
    token = served.token("alice")
    proc = subprocess.run([sys.executable, str(SEED), served.url, token], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "9/9 seed steps ok" in proc.stdout
    # their effect shows in the mock's state
    jobs = httpx.get(f"{served.url}/slurm/v0.0.44/jobs/", headers={"X-SLURM-USER-TOKEN": token}).json()["jobs"]
    names = {j["name"] for j in jobs}
    assert "updated test job" in names
    assert any("CANCELLED" in j["job_state"] for j in jobs)


@pytest.mark.parametrize("user", ["alice", "root"])
def test_generated_client_lifecycle(served, user):
    import slurmrestapi as api
    from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
    from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

    conf = api.Configuration(host=served.url + "/", access_token=served.token(user))
    slurm = api.SlurmApi(api.ApiClient(conf))
    req = JobReq(job=JobDesc(script="#!/bin/bash\nsleep 2", environment=["PATH=/bin"],
                             current_working_directory="/tmp", name="lifecycle"))
    job_id = slurm.slurm_v0044_post_job_submit(req).job_id
    seen = []
    import time
    for _ in range(200):
        state = slurm.slurm_v0044_get_job(job_id=str(job_id)).jobs[0].job_state
        if not seen or seen[-1] != state:
            seen.append(state)
        if "COMPLETED" in state:
            break
        time.sleep(0.05)
    flat = [s[0] for s in seen]
    assert flat[-1] == "COMPLETED", seen
    assert "RUNNING" in flat
    # the other versions see the same job through their own models
    assert slurm.slurm_v0041_get_job(job_id=str(job_id)).jobs[0].job_id == job_id
    assert slurm.slurm_v0043_get_job(job_id=str(job_id)).jobs[0].job_id == job_id


def test_wait_returns_when_the_mock_answers_and_fails_when_nothing_does(served):
    """`mockrestd serve & mockrestd wait` in the README: wait blocks until the server answers, and says so
    (exit 1) when nothing ever does."""
    hostport = served.url.split("://", 1)[1]
    ok = subprocess.run([sys.executable, "-m", "mockrestd", "wait", hostport, "--timeout", "10"],
                        capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stderr
    from tests.e2e.conftest import free_port
    nobody = f"127.0.0.1:{free_port()}"
    bad = subprocess.run([sys.executable, "-m", "mockrestd", "wait", nobody, "--timeout", "0.5"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and f"nothing answers on http://{nobody}" in bad.stderr, bad.stderr
