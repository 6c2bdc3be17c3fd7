"""Test your own client against the mock: `pip install mockrestd` registers the fixtures; run `pytest`.

`slurmrestd_clean` is the session's mock, reset before each test; `slurmrestd` is the same without the reset.
Options: `pytest --mockrestd-mode=inprocess` (no socket), `--mockrestd-speed`, `--mockrestd-cluster FILE`, ..."""

import httpx


class MyClient:
    """Stands for the client you are writing: anything that takes a URL and a token."""

    def __init__(self, url, token):
        self.http = httpx.Client(base_url=url, headers={"X-SLURM-USER-TOKEN": token})

    def submit(self, script):
        job = {"script": script, "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}
        return self.http.post("/slurm/v0.0.44/job/submit", json={"job": job}).json()["job_id"]

    def state(self, job_id):
        return self.http.get(f"/slurm/v0.0.44/job/{job_id}").json()["jobs"][0]["job_state"]


def test_job_runs_to_completion(slurmrestd_clean):
    mock = slurmrestd_clean
    client = MyClient(mock.url, mock.token("bob"))
    if mock.mode == "inprocess":          # no socket: the client goes through the mock's transport
        client.http = mock.http_client(headers=client.http.headers)
    mock.freeze()                         # the clock moves only when told
    job_id = client.submit("#!/bin/bash\nsleep 60")
    assert client.state(job_id) == ["PENDING"]
    mock.advance(2)                       # the scheduler's next pass
    assert client.state(job_id) == ["RUNNING"]
    mock.advance(60)
    assert client.state(job_id) == ["COMPLETED"]
    assert any(r["path"] == f"/slurm/v0.0.44/job/{job_id}" for r in mock.journal())


def test_controller_down_is_an_error(slurmrestd_clean):
    slurmrestd_clean.fault("controller_down")
    r = slurmrestd_clean.client.get("/slurm/v0.0.44/jobs/")
    assert r.status_code == 500
    assert r.json()["errors"][0]["error_number"] == 1800


def test_generated_client(slurmrestd_clean):
    jobs = slurmrestd_clean.slurm.slurm_v0044_get_jobs().jobs
    assert jobs == []
    accounts = {a.name for a in slurmrestd_clean.slurmdb.slurmdb_v0044_get_accounts().accounts}
    assert "root" in accounts
