"""Job lifecycle and job rules through HTTP (DESIGN Part 1, Jobs; status codes of 25.11)."""

import pytest

V = "/slurm/v0.0.44"
JOB = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def states(mock, job_id):
    return mock.job(job_id)[0]["job_state"]


def test_submit_answer_shape(mock):
    r = mock.post(f"{V}/job/submit", json={"job": JOB})
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body["job_id"], int) and body["job_id"] > 0
    assert body["step_id"] == "batch"
    assert body["job_submit_user_msg"] == ""
    assert body["errors"] == []


def test_lifecycle_pending_running_completed(mock):
    job_id = mock.submit(script="#!/bin/bash\nsleep 30")
    assert states(mock, job_id) == ["PENDING"]
    mock.advance(2)
    assert states(mock, job_id) == ["RUNNING"]
    mock.advance(40)
    job = mock.job(job_id)[0]
    assert job["job_state"] == ["COMPLETED"]
    assert job["exit_code"]["return_code"] == {"set": True, "infinite": False, "number": 0}


def test_failed_job_exit_code(mock):
    job_id = mock.submit(script="#!/bin/bash\nsleep 5\nexit 3")
    mock.advance(30)
    job = mock.job(job_id)[0]
    assert job["job_state"] == ["FAILED"]
    assert job["state_reason"] == "NonZeroExitCode"
    assert job["exit_code"]["return_code"]["number"] == 3


def test_submit_without_script_is_422_9000(mock):
    for body in ({}, {"job": {}}, {"job": {"environment": ["A=1"]}}):
        r = mock.post(f"{V}/job/submit", json=body)
        assert r.status_code == 422, body
        err = r.json()["errors"][0]
        assert err["error_number"] == 9000
        assert err["description"] == 'Populated "script" field is required for job submission'
        assert err["source"] == "_job_post"


def test_empty_body_is_422(mock):
    r = mock.post(f"{V}/job/submit", content=b"", headers={**mock.headers(), "Content-Type": "application/json"})
    assert r.status_code == 422


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.42"])
def test_top_level_array_is_500_9209(mock, version):
    r = mock.post(f"/slurm/{version}/job/submit", json=[JOB])
    assert r.status_code == 500
    body = r.json()
    assert body["errors"] == [{"error_number": 9209, "error": "Data parser expected a dictionary or object",
                               "description": "Rejecting list when dictionary expected", "source": "#/"}]
    assert not {"job_id", "step_id", "job_submit_user_msg", "result"} & set(body)


def test_missing_environment_and_cwd_are_500(mock):
    r = mock.post(f"{V}/job/submit", json={"job": {"script": "#!/bin/bash\ntrue", "current_working_directory": "/"}})
    assert (r.status_code, r.json()["errors"][0]["error_number"]) == (500, 2019)
    r = mock.post(f"{V}/job/submit", json={"job": {"script": "#!/bin/bash\ntrue", "environment": ["A=1"]}})
    assert (r.status_code, r.json()["errors"][0]["error_number"]) == (500, 2063)


def test_unknown_partition_is_500(mock):
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "partition": "nosuch"}})
    assert r.status_code == 500


def test_unknown_field_is_ignored_with_warning(mock):
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "x": "y"}})
    assert r.status_code == 200
    w = r.json()["warnings"]
    assert any(x["description"] == 'Ignoring unknown field "x" of type string in DATA_PARSER_JOB_DESC_MSG'
               and x["source"] == "#/job/x/" for x in w), w
    assert r.json()["job_id"] > 0


def test_wrong_type_submits_nothing(mock):
    before = len(mock.get(f"{V}/jobs/").json()["jobs"])
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "tasks": "two"}})
    assert r.status_code == 200
    assert r.json()["warnings"]
    assert not r.json().get("job_id")
    assert len(mock.get(f"{V}/jobs/").json()["jobs"]) == before


def test_numeric_string_and_trailing_comma_and_yaml_accepted(mock):
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "tasks": "1"}})
    assert r.status_code == 200 and r.json()["job_id"] > 0
    raw = b'{"job": {"script": "#!/bin/bash\\ntrue", "environment": ["A=1"], "current_working_directory": "/",}}'
    r = mock.post(f"{V}/job/submit", content=raw, headers={**mock.headers(), "Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["job_id"] > 0
    yml = b"job:\n  script: \"#!/bin/bash\\ntrue\"\n  environment: [A=1]\n  current_working_directory: /tmp\n"
    r = mock.post(f"{V}/job/submit", content=yml, headers={**mock.headers(), "Content-Type": "application/yaml"})
    assert r.status_code == 200 and r.json()["job_id"] > 0


def test_unknown_job_is_404_2017_and_bad_id_422(mock):
    r = mock.get(f"{V}/job/999999")
    assert r.status_code == 404
    assert r.json()["errors"][0]["error_number"] == 2017
    assert mock.get(f"{V}/job/abc").status_code == 422
    r = mock.post(f"{V}/job/999999", json={"name": "x"})
    assert r.status_code == 404


def test_bad_flags_is_500_9207(mock):
    r = mock.get(f"{V}/jobs/?flags=NOPE")
    assert r.status_code == 500
    assert r.json()["errors"][0]["error_number"] == 9207
    assert mock.get(f"{V}/jobs/?nosuchparam=1").status_code == 200


def test_cancel_running_job(mock):
    job_id = mock.submit()
    mock.advance(2)
    r = mock.delete(f"{V}/job/{job_id}")
    assert r.status_code == 200
    assert r.json()["status"] == []
    assert states(mock, job_id) == ["CANCELLED", "COMPLETING"]
    mock.advance(3)
    job = mock.job(job_id)[0]
    assert job["job_state"] == ["CANCELLED"]


def test_cancel_finished_or_unknown_is_200_with_status_error(mock):
    job_id = mock.submit(script="#!/bin/bash\nsleep 1")
    mock.advance(20)
    r = mock.delete(f"{V}/job/{job_id}")
    assert r.status_code == 200
    assert r.json()["status"][0]["error"]["code"] == 2021
    r = mock.delete(f"{V}/job/999999")
    assert r.status_code == 200
    assert r.json()["status"][0]["error"]["code"] == 2017


def test_signal_term_fails_job(mock):
    job_id = mock.submit()
    mock.advance(2)
    assert mock.delete(f"{V}/job/{job_id}?signal=SIGTERM").status_code == 200
    mock.advance(2)
    job = mock.job(job_id)[0]
    assert job["job_state"] == ["FAILED"]
    assert job["state_reason"] == "RaisedSignal"
    assert job["exit_code"]["signal"]["id"]["number"] == 15


def test_update_rules(mock):
    job_id = mock.submit(hold=True)
    r = mock.post(f"{V}/job/{job_id}", json={"tasks": 2, "name": "renamed"})
    assert r.status_code == 200, r.text
    job = mock.job(job_id)[0]
    assert job["tasks"]["number"] == 2 and job["name"] == "renamed"
    mock.post(f"{V}/job/{job_id}", json={"hold": False})
    mock.advance(2)
    assert states(mock, job_id) == ["RUNNING"]
    r = mock.post(f"{V}/job/{job_id}", json={"tasks": 4})
    assert (r.status_code, r.json()["errors"][0]["error_number"]) == (500, 2073)
    assert mock.job(job_id)[0]["tasks"]["number"] == 2


def test_array_and_hetjob(mock):
    array_id = mock.submit(array="1-3")
    jobs = mock.job(array_id)
    assert jobs[0]["array_job_id"]["number"] == array_id
    assert jobs[0]["array_task_string"] == "1-3"
    r = mock.post(f"{V}/job/submit", json={"jobs": [JOB, {"environment": ["A=1"],
                                                          "current_working_directory": "/tmp"}]})
    leader = r.json()["job_id"]
    comps = mock.job(leader)
    assert sorted(j["het_job_offset"]["number"] for j in comps) == [0, 1]
    assert all(j["het_job_id"]["number"] == leader for j in comps)


def test_jobs_state_real_shape(mock):
    job_id = mock.submit()
    r = mock.get(f"{V}/jobs/state/?job_id={job_id}")
    assert r.status_code == 200
    assert r.json()["jobs"] == [{"job_id": str(job_id), "state": ["PENDING"]}]
    assert mock.get(f"{V}/jobs/state/?job_id=999999").json()["jobs"] == []


def test_job_visible_in_every_version(mock):
    job_id = mock.submit()
    for v in ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"):
        jobs = mock.job(job_id, version=v)
        assert jobs[0]["job_id"] == job_id
        assert jobs[0]["job_state"] == ["PENDING"]


def test_delete_v41_plain_v42_status(mock):
    job_id = mock.submit()
    r = mock.delete(f"/slurm/v0.0.41/job/{job_id}")
    assert r.status_code == 200
    assert "status" not in r.json()
    job_id = mock.submit()
    assert mock.delete(f"/slurm/v0.0.42/job/{job_id}").json()["status"] == []


# ---- job ids, unknown jobs and failures, as real slurmrestd 26.05.5 answered the same requests --------

def test_job_id_refused_before_the_controller(mock):
    """0 or not a number -> 422 9000; beyond MAX_JOB_ID -> 404 2017; both without payload keys."""
    for method in ("GET", "DELETE", "POST"):
        kw = {"json": {"name": "x"}} if method == "POST" else {}
        r = mock.request(method, f"{V}/job/0", **kw)
        body = r.json()
        assert r.status_code == 422 and [e["error_number"] for e in body["errors"]] == [9000]
        assert set(body) == {"meta", "errors", "warnings"}
        r = mock.request(method, f"{V}/job/999999998", **kw)
        body = r.json()
        assert r.status_code == 404 and body["errors"][0]["description"] == "Invalid JobID=999999998 rejected"
        assert set(body) == {"meta", "errors", "warnings"}


def test_unknown_job_in_range_answers_like_the_controller(mock):
    r = mock.get(f"{V}/job/99999")
    assert r.status_code == 404
    body = r.json()
    assert body["jobs"] == [] and body["last_update"] == {"set": True, "infinite": False, "number": 0}
    assert body["errors"][0]["source"] == "_handle_job_get"
    r = mock.get(f"{V}/job/99999_1")
    assert r.json()["warnings"][0]["description"].startswith("Job array Ids are not currently supported")
    r = mock.post(f"{V}/job/99999", json={"name": "x"})
    assert r.status_code == 404 and r.json()["results"] is None
    assert (r.json()["errors"][0]["description"], r.json()["errors"][0]["source"]) == \
        ("Job update requested failed", "slurm_update_job2()")
    status = mock.delete(f"{V}/job/99999").json()["status"][0]
    assert status["step_id"] == "99999" and status["job_id"]["set"] is False


def test_unknown_signal_is_an_error_numbered_0_and_still_kills(mock):
    job_id = mock.submit()
    mock.advance(2)
    r = mock.delete(f"{V}/job/{job_id}?signal=NOPE")
    assert r.status_code == 200
    assert r.json()["status"] == []
    assert [(e["error_number"], e["description"], e["source"]) for e in r.json()["errors"]] == \
        [(0, "Unknown signal (null)", "#/signal/")]
    assert mock.job(job_id)[0]["job_state"][0] == "CANCELLED"


def test_bad_flags_answer_the_data_with_error_9207(mock):
    mock.submit()
    r = mock.get(f"{V}/jobs/?flags=NOPE")
    assert r.status_code == 500
    assert len(r.json()["jobs"]) == 1
    assert [(e["error_number"], e["source"]) for e in r.json()["errors"]] == [(9207, "#/flags[0]/")]


def test_failed_submits_answer_no_job_id(mock):
    base = {"script": "#!/bin/bash\ntrue", "environment": ["A=1"], "current_working_directory": "/tmp"}
    for job in ({**base, "tasks": "two"}, {k: v for k, v in base.items() if k != "environment"},
                {**base, "partition": "nope"}):
        r = mock.post(f"{V}/job/submit", json={"job": job})
        assert "job_id" not in r.json() and "result" not in r.json(), r.text
    assert mock.get(f"{V}/jobs/").json()["jobs"] == [], "nothing was submitted"


def test_hetjob_components_need_their_own_cwd(mock):
    first = {"script": "#!/bin/bash\ntrue", "environment": ["A=1"], "current_working_directory": "/tmp"}
    r = mock.post(f"{V}/job/submit", json={"jobs": [first, {"environment": ["A=1"]}]})
    err = r.json()["errors"][0]
    assert (r.status_code, err["error_number"], err["source"]) == (500, 2063, "slurm_submit_batch_het_job()")


def test_job_ids_with_unicode_digits_do_not_break_anything(mock):
    """'²' is a digit to str.isdigit() but not a number: found by the contract suite's fuzzing."""
    for method in ("GET", "DELETE"):
        r = mock.request(method, f"{V}/job/1%C2%B2")
        assert r.status_code == 422 and r.json()["errors"][0]["error_number"] == 9000


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.42"])
def test_fractional_update_time_is_that_time(mock, version):
    """Real 25.11.7 answers `?update_time=1796185656.354474` with 200, no error or warning."""
    job_id = mock.submit(version=version)
    now = int(mock.clock.now())
    for stamp in (f"{now - 100}.354474", f"{int(now) - 100}."):
        r = mock.get(f"/slurm/{version}/jobs/?update_time={stamp}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["errors"] == [] and body["warnings"] == []
        assert [j["job_id"] for j in body["jobs"]] == [job_id]
    assert mock.get(f"/slurm/{version}/jobs/?update_time=12.5.1").status_code == 422


@pytest.mark.parametrize("version", ["v0.0.41", "v0.0.44"])
def test_empty_jobs_list_is_a_hetjob_without_components(mock, version):
    """Real 25.11.7: {"jobs": []} → 500, error 11 from _job_post_het_submit; nothing submitted."""
    before = len(mock.get(f"/slurm/{version}/jobs/").json()["jobs"])
    r = mock.post(f"/slurm/{version}/job/submit", json={"jobs": []})
    assert r.status_code == 500
    err = r.json()["errors"][0]
    assert (err["error_number"], err["description"], err["source"]) == \
        (11, "Refusing HetJob submission without any components", "_job_post_het_submit")
    assert "job_id" not in r.json()
    assert len(mock.get(f"/slurm/{version}/jobs/").json()["jobs"]) == before


def test_job_and_jobs_together_is_422_9000(mock):
    """Real 25.11.7: `job` and `jobs` (even empty) in one body → 422, 9000 'Specify only one ...'."""
    r = mock.post(f"{V}/job/submit", json={"jobs": [], "job": JOB})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert (err["error_number"], err["description"]) == (9000, 'Specify only one "job" or "jobs" fields but never both')
