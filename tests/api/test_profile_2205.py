"""The 22.05 profile through HTTP, each rule as measured on real 22.05.8 (Debian bookworm, v0.0.38;
compose/native/start.sh host), and the same request on the default profile (25.11, v0.0.44), which keeps
its own answer: a rule that leaks into another release fails here too."""


import pytest


V = "v0.0.38"
SCRIPT = "#!/bin/bash\nexit 0\n"



def _h(mock):
    return {"X-SLURM-USER-NAME": "root", "X-SLURM-USER-TOKEN": mock.token("root")}


def _job(**kw):
    d = {"environment": {"PATH": "/bin:/usr/bin"}, "current_working_directory": "/tmp", "name": "t",
         "tasks": 1, "time_limit": 5, "memory_per_node": 100}
    d.update(kw)
    return d


@pytest.mark.parametrize("path,key,errno,text", [
    ("node/nosuchnode", "nodes", 2018, "Invalid node name specified"),
    ("partition/nosuchpart", "partitions", 2000, "Invalid partition name specified"),
    ("reservation/nosuch", "reservations", 2053, "Requested reservation is invalid"),
])
def test_unknown_record_is_500_with_errno(mock2205, mock, path, key, errno, text):
    r = mock2205.get(f"/slurm/{V}/{path}", headers=_h(mock2205))
    assert r.status_code == 500, r.text
    body = r.json()
    assert body["errors"] == [{"error": text, "errno": errno}]
    assert body[key] == [] and "warnings" not in body
    # 25.11.7 answers otherwise (node: 200 + error 0; partition: 9000; reservation: 9000), errors with four keys
    r = mock.get(f"/slurm/v0.0.44/{path}")
    assert r.status_code != 500 or r.json()["errors"][0]["error_number"] != errno
    assert set(r.json()["errors"][0]) == {"description", "error_number", "error", "source"}


def test_non_numeric_job_id_is_9002(mock2205, mock):
    r = mock2205.get(f"/slurm/{V}/job/abc", headers=_h(mock2205))
    assert r.status_code == 400
    assert r.json()["errors"] == [{"description": "Unable to find JobId=abc", "error_number": 9002,
                                   "error": "Jobs description entry not found, empty or not dictionary or list",
                                   "source": "_handle_job_get"}]
    r = mock.get("/slurm/v0.0.44/job/abc")
    assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 9000


def test_big_job_id_asks_the_controller(mock2205, mock):
    r = mock2205.get(f"/slurm/{V}/job/999999998", headers=_h(mock2205))
    assert r.status_code == 500
    body = r.json()
    assert [e["error_number"] for e in body["errors"]] == [2017] and body["jobs"] == []
    r = mock.get("/slurm/v0.0.44/job/999999998")
    assert r.status_code == 404 and "jobs" not in r.json()


def test_router_texts(mock2205, mock):
    r = mock2205.request("PUT", f"/slurm/{V}/jobs/", headers=_h(mock2205))
    assert (r.status_code, r.headers["content-type"]) == (405, "text/plain")
    assert r.text == "Requested REST method is not defined at URL. Please view /openapi/v3 for API reference."
    r = mock2205.get(f"/slurm/{V}/job/9+1", headers=_h(mock2205))
    assert (r.status_code, r.text) == (400, "Unable to parse URL path.")
    r = mock2205.request("QUERY", f"/slurm/{V}/ping", headers=_h(mock2205))      # real: "HTTP/0.9 400 BAD REQUEST", no body
    assert (r.status_code, r.content) == (400, b"")
    assert mock.request("QUERY", "/slurm/v0.0.44/ping/").status_code == 405
    assert mock.request("PUT", "/slurm/v0.0.44/jobs/").status_code == 404
    assert mock.get("/slurm/v0.0.44/job/9+1").status_code == 404


def test_submit_in_v0038_shape_runs_and_errors_use_error_code(mock2205):
    h = _h(mock2205)
    r = mock2205.post(f"/slurm/{V}/job/submit", headers=h, json={"script": SCRIPT, "job": _job()})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"meta", "errors", "job_id", "step_id", "job_submit_user_msg"}
    r = mock2205.post(f"/slurm/{V}/job/submit", headers=h, json={})
    assert r.status_code == 500
    assert r.json()["errors"] == [{"error_code": 2009, "error": "Job script not specified"}]
    r = mock2205.post(f"/slurm/{V}/job/submit", headers=h,
                 json={"script": SCRIPT, "job": {k: v for k, v in _job().items() if k != "environment"}})
    assert r.status_code == 400
    assert [e["error_code"] for e in r.json()["errors"]][:1] == [2127]


def test_submit_without_cwd_runs_in_root(mock2205):
    h = _h(mock2205)
    job = {k: v for k, v in _job().items() if k != "current_working_directory"}
    r = mock2205.post(f"/slurm/{V}/job/submit", headers=h, json={"script": SCRIPT, "job": job})
    assert r.status_code == 200, r.text
    rec = mock2205.get(f"/slurm/{V}/job/{r.json()['job_id']}", headers=h).json()["jobs"][0]
    assert rec["current_working_directory"] == "/"


def test_v0038_records_as_the_daemon_writes_them(mock2205):
    h = _h(mock2205)
    part = mock2205.get(f"/slurm/{V}/partitions", headers=h).json()["partitions"][0]
    assert "min nodes per job" in part and "min_nodes_per_job" not in part
    node = mock2205.get(f"/slurm/{V}/nodes", headers=h).json()["nodes"][0]
    assert isinstance(node["comment"], str) and isinstance(node["extra"], str) and isinstance(node["last_busy"], int)
    job_id = mock2205.post(f"/slurm/{V}/job/submit", headers=h, json={"script": SCRIPT, "job": _job()}).json()["job_id"]
    rec = mock2205.get(f"/slurm/{V}/job/{job_id}", headers=h).json()["jobs"][0]
    assert isinstance(rec["exit_code"], int) and isinstance(rec["derived_exit_code"], int)
    assert {"group_name", "prefer", "tasks_per_node"} <= set(rec)


def test_cancel_and_update_of_unknown_job_fail_with_2017(mock2205, mock):
    h = _h(mock2205)
    r = mock2205.request("DELETE", f"/slurm/{V}/job/999999998", headers=h)
    assert r.status_code == 500 and set(r.json()) == {"meta", "errors"}
    assert [e["error_number"] for e in r.json()["errors"]] == [2017]
    r = mock2205.post(f"/slurm/{V}/job/999999998", headers=h, json={"name": "x"})   # no `environment`: no 9200
    assert r.status_code == 500 and set(r.json()) == {"meta", "errors"}
    assert [e["error_number"] for e in r.json()["errors"]] == [2017]
    r = mock.request("DELETE", "/slurm/v0.0.44/job/999999998")
    assert "status" in r.json() or r.status_code != 500


@pytest.mark.parametrize("path,key,source", [
    ("account/nosuch", "accounts", "slurmdb_accounts_get"),
    ("user/nosuch", "users", "slurmdb_users_get"),
    ("cluster/nosuch", "clusters", "slurmdb_clusters_get"),
    ("associations?account=nosuch", None, "slurmdb_associations_get"),
])
def test_slurmdb_nothing_found_is_9003(mock2205, mock, path, key, source):
    r = mock2205.get(f"/slurmdb/{V}/{path}", headers=_h(mock2205))
    assert r.status_code == 500, r.text
    body = r.json()
    assert body["errors"] == [{"description": "Nothing found", "error_number": 9003,
                               "error": "Nothing found with query", "source": source}]
    assert set(body) == {"meta", "errors"} | ({key} if key else set()) and body.get(key, []) == []
    r = mock.get(f"/slurmdb/v0.0.44/{path}")       # 25.11.7: 200 and a warning
    assert r.status_code == 200 and r.json()["errors"] == [] and r.json()["warnings"]


@pytest.mark.parametrize("path,status,errors,keys", [
    ("account/nosuch", 200, [{"error_number": 1900, "error": "Data has not changed since time specified",
                              "source": "slurmdb_accounts_remove"}], {"meta", "errors"}),
    ("qos/nosuch", 500, [{"description": "Nothing found", "error_number": 9003, "error": "Nothing found with query",
                          "source": "slurmdb_qos_remove"}], {"meta", "errors"}),
    ("user/nosuch", 304, None, None),
])
def test_slurmdb_delete_of_nothing(mock2205, mock, path, status, errors, keys):
    r = mock2205.request("DELETE", f"/slurmdb/{V}/{path}", headers=_h(mock2205))
    assert r.status_code == status, r.text
    if errors is not None:
        assert r.json()["errors"] == errors and set(r.json()) == keys
    else:
        assert r.content == b""
    assert mock.request("DELETE", f"/slurmdb/v0.0.44/{path}", user="root").status_code == 304
