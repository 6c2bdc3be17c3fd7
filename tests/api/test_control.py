"""The control API beside the Slurm API: clock, reset, snapshot, cluster files, faults, journal, view."""

V = "/slurm/v0.0.44"


def test_clock_advance_moves_jobs(mock):
    job_id = mock.submit()
    r = mock.client.post("/mockrestd/v1/clock", json={"advance": 2})
    assert r.status_code == 200 and r.json()["frozen"] is True
    assert mock.job(job_id)[0]["job_state"] == ["RUNNING"]


def test_clock_rejects_bad_input(mock):
    r = mock.client.post("/mockrestd/v1/clock", json={"advance": -5})
    assert r.status_code == 400


def test_reset_and_snapshot(mock):
    job_id = mock.submit()
    snap = mock.client.get("/mockrestd/v1/snapshot").json()
    assert mock.client.post("/mockrestd/v1/reset").status_code == 200
    assert mock.get(f"{V}/jobs/").json()["jobs"] == []
    assert mock.client.post("/mockrestd/v1/snapshot", json=snap).status_code == 200
    assert mock.job(job_id)[0]["job_id"] == job_id
    assert mock.client.post("/mockrestd/v1/snapshot", json={"nope": 1}).status_code == 400
    assert mock.job(job_id)[0]["job_id"] == job_id, "a bad snapshot loses nothing"


def test_load_cluster_file(mock):
    toml = b'[cluster]\nname = "demo"\n\n[[nodes]]\nnames = "c[1-2]"\ncpus = 4\nreal_memory = 4000\n\n' \
           b'[[partitions]]\nname = "main"\nnodes = "c[1-2]"\ndefault = true\n'
    r = mock.client.post("/mockrestd/v1/cluster", content=toml, headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    nodes = mock.get(f"{V}/nodes/").json()["nodes"]
    assert [n["name"] for n in nodes] == ["c1", "c2"]
    assert mock.get(f"{V}/ping/").json()["meta"]["slurm"]["cluster"] == "demo"
    bad = mock.client.post("/mockrestd/v1/cluster", content=b"[[nodes]]\nnames = 3\n",
                           headers={"Content-Type": "text/plain"})
    assert bad.status_code == 400
    assert [n["name"] for n in mock.get(f"{V}/nodes/").json()["nodes"]] == ["c1", "c2"]


def test_fault_controller_down(mock):
    r = mock.client.post("/mockrestd/v1/faults", json={"kind": "controller_down"})
    assert r.status_code == 200
    r = mock.get(f"{V}/jobs/")
    assert r.status_code == 500 and r.json()["errors"][0]["error_number"] == 1800
    assert mock.get(f"{V}/ping/").json()["pings"][0]["pinged"] == "DOWN"
    assert mock.get("/slurmdb/v0.0.44/accounts/").status_code == 200
    mock.client.delete("/mockrestd/v1/faults")
    assert mock.get(f"{V}/jobs/").status_code == 200


def test_fault_error_on_one_operation_once(mock):
    mock.client.post("/mockrestd/v1/faults", json={"kind": "error", "operation": "post_job_submit",
                                                    "error_number": 2050, "count": 1})
    r = mock.post(f"{V}/job/submit", json={"job": {"script": "#!/bin/bash\ntrue", "environment": ["A=1"],
                                                    "current_working_directory": "/tmp"}})
    assert r.status_code == 500 and r.json()["errors"][0]["error_number"] == 2050
    assert mock.submit() > 0


def test_journal_and_view(mock):
    mock.client.delete("/mockrestd/v1/journal")
    mock.get(f"{V}/jobs/")
    mock.client.get("/nothing")
    journal = mock.client.get("/mockrestd/v1/journal").json()["requests"]
    assert [(j["method"], j["path"], j["status"]) for j in journal] == [("GET", f"{V}/jobs/", 200),
                                                                        ("GET", "/nothing", 401)]
    job_id = mock.submit()
    view = mock.client.get("/mockrestd/v1/view").json()
    assert view["jobs"][0]["job_id"] == job_id and len(view["nodes"]) == 5
    page = mock.client.get("/ui")
    assert page.status_code == 200 and "mockrestd" in page.text


def test_token_endpoint_mints_working_tokens(mock):
    token = mock.client.post("/mockrestd/v1/token", json={"username": "bob"}).json()["token"]
    r = mock.client.get(f"{V}/jobs/", headers={"X-SLURM-USER-TOKEN": token})
    assert r.status_code == 200 and r.json()["meta"]["client"]["user"] == "bob"
