"""compose/native brings up a real Slurm 26.05 (Debian forky chroot, with slurmdbd) that runs a job
submitted through slurmrestd, with a token minted on the host from the key file."""

from __future__ import annotations

import os
import time

import httpx

API = "v0.0.44"


def test_forky_runs_a_submitted_job(real_slurm, forky):
    env = forky
    assert env["SLURMRESTD_URL"] == f"http://127.0.0.1:{real_slurm.PORTS['forky']}"
    assert env["SLURM_RELEASE"].startswith("26.05.")
    assert API in env["SLURM_API_VERSIONS"].split()
    assert "openapi/slurmctld" in env["SLURM_PLUGINS"].split()
    assert os.path.isfile(env["SLURM_JWT_KEY_FILE"])

    headers = {"X-SLURM-USER-NAME": env["SLURM_USER"], "X-SLURM-USER-TOKEN": env["SLURM_JWT"]}
    with httpx.Client(base_url=env["SLURMRESTD_URL"], headers=headers, timeout=30) as client:
        r = client.post(f"/slurm/{API}/job/submit", json={"job": {
            "name": "compose-real", "script": "#!/bin/bash\nsleep 2\nsrun uptime",
            "environment": ["PATH=/bin:/usr/bin"], "current_working_directory": "/tmp"}})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["errors"] == [], body
        job_id = body["job_id"]

        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            r = client.get(f"/slurm/{API}/job/{job_id}")
            assert r.status_code == 200, r.text
            state = r.json()["jobs"][0]["job_state"][0]
            if not seen or seen[-1] != state:
                seen.append(state)
            if state not in ("PENDING", "CONFIGURING", "RUNNING", "COMPLETING"):
                break
            time.sleep(0.25)
        assert seen[-1] == "COMPLETED", seen
        assert "RUNNING" in seen, seen
        job = r.json()["jobs"][0]
        assert job["exit_code"]["return_code"]["number"] == 0
        assert job["user_name"] == env["SLURM_USER"]

        # a token minted on the host with the key file works as well as scontrol's
        minted = real_slurm.mint_token(env["SLURM_JWT_KEY_FILE"], env["SLURM_PLAIN_USER"], 300)
        r = client.get(f"/slurm/{API}/jobs/", headers={"X-SLURM-USER-NAME": env["SLURM_PLAIN_USER"],
                                                      "X-SLURM-USER-TOKEN": minted})
        assert r.status_code == 200 and r.json()["errors"] == [], r.text
