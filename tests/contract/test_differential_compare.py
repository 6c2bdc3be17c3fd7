"""The differential run's comparison rules, on hand-made answers (no daemon needed)."""

from __future__ import annotations

import httpx

from contract_tests.differential import Step, compare


def _answer(status: int, body: dict) -> httpx.Response:
    return httpx.Response(status, json=body)


def _job(state: str, resources) -> dict:
    return {"jobs": [{"job_id": 7, "job_state": [state], "job_resources": resources}], "errors": [], "warnings": []}


ALLOCATED = {"cpus": 1, "nodes": {"allocation": [{"name": "n1", "cpus": {"count": 1, "used": 1}}]}}


def test_a_timing_step_ignores_a_subtree_still_null_on_one_side():
    step = Step("job right after submit", "GET", "/slurm/{v}/job/{ok}", timing=True)
    assert compare(step, _answer(200, _job("RUNNING", ALLOCATED)), _answer(200, _job("PENDING", None))) == []


def test_a_plain_step_reports_keys_only_one_side_has():
    step = Step("completed job", "GET", "/slurm/{v}/job/{ok}")
    diffs = compare(step, _answer(200, _job("COMPLETED", ALLOCATED)), _answer(200, _job("COMPLETED", None)))
    assert [d["what"] for d in diffs] == ["keys only in real"]
    assert "jobs[].job_resources.cpus" in diffs[0]["real"]


def test_a_timing_step_still_reports_status_and_missing_top_level_keys():
    step = Step("jobs", "GET", "/slurm/{v}/jobs/", timing=True)
    real = _answer(200, {"jobs": [], "last_update": 1, "errors": [], "warnings": []})
    mock = _answer(500, {"jobs": [], "errors": [], "warnings": []})
    whats = {d["what"] for d in compare(step, real, mock)}
    assert whats == {"status", "keys only in real"}


def test_ids_are_not_compared_but_states_are():
    step = Step("completed job", "GET", "/slurm/{v}/job/{ok}")
    same = compare(step, _answer(200, _job("COMPLETED", None)),
                   _answer(200, {**_job("COMPLETED", None), "jobs": [{"job_id": 99, "job_state": ["COMPLETED"],
                                                                       "job_resources": None}]}))
    assert same == []
    differ = compare(step, _answer(200, _job("COMPLETED", None)), _answer(200, _job("FAILED", None)))
    assert [d["what"] for d in differ] == ["value"]
