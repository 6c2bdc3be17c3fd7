"""The one real test of compose/: Slurm 26.05 from Debian forky in a chroot runs a job submitted through
slurmrestd. Runs only with MOCKRESTD_REAL=1 (root, debootstrap, Debian mirrors); then it must run."""

from __future__ import annotations

import os
import socket
import time

import httpx
import pytest

pytestmark = pytest.mark.real

REAL = os.environ.get("MOCKRESTD_REAL") == "1"
API = "v0.0.44"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not REAL, reason="real Slurm targets run only with MOCKRESTD_REAL=1 (root + apt + debootstrap)")
def test_forky_runs_a_submitted_job(real_slurm):
    # a cluster that was already up (another user, a developer's shell) is reused and left running
    was_running = _listening(real_slurm.PORTS["forky"])
    env = real_slurm.start("forky")
    try:
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
    finally:
        if not was_running:
            real_slurm.stop("forky")
