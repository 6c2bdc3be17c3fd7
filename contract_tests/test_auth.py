"""Authentication as slurmrestd's auth/jwt does it, on the newest API version under test.

Expired tokens need the HS256 key (known for the mock; SLURM_JWT_KEY_FILE for a real target): without
it that test is skipped with the reason. Statuses that differ between releases come from expectations.py."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from contract_tests import recorder
from contract_tests.expectations import expect
from contract_tests.specdoc import operation_for, target_versions
from contract_tests.target import mint


@pytest.fixture(scope="module")
def v():
    return target_versions()[-1]


@pytest.fixture
def call(target, request):
    """call(method, path, headers) → response, without the suite's own auth headers; recorded."""
    def _call(method, path, headers=None, json=None):
        r = httpx.request(method, target.url + path, headers=headers or {}, json=json, timeout=30)
        recorder.request(request.node.name, operation_for(method, path), method, path, r.status_code)
        return r
    return _call


def _errors(r):
    try:
        return [e.get("error_number") for e in r.json().get("errors", [])]
    except ValueError:
        return []


def test_missing_token_is_401_text(call, v, release):
    """No token at all: 401 text/plain, checked before routing (unknown paths and /openapi/v3 too)."""
    for path in (f"/slurm/{v}/jobs/", f"/slurm/{v}/no-such-endpoint", "/openapi/v3"):
        r = call("GET", path)
        assert r.status_code == expect(release, "missing_token"), (path, r.status_code, r.text[:200])
        assert r.headers.get("content-type", "").startswith("text/plain"), (path, r.headers)


def _bad_tokens(target) -> dict:
    return {"garbage": "not-a-jwt",
            "bad-signature": mint(os.urandom(32), target.user, 600)}


@pytest.mark.parametrize("kind", ["garbage", "bad-signature"])
def test_bad_token_rejected_by_controller(call, target, v, release, kind):
    """A token that is present but bad reaches slurmctld and is refused: 511 JSON (25.11+), error 1007."""
    token = _bad_tokens(target)[kind]
    r = call("GET", f"/slurm/{v}/jobs/", {"X-SLURM-USER-TOKEN": token})
    assert r.status_code == expect(release, "bad_token"), r.text[:300]
    assert r.headers.get("content-type", "").startswith("application/json")
    if expect(release, "bad_token") == 511:
        assert 1007 in _errors(r), r.text[:500]
        assert r.json().get("jobs") == []


def test_expired_token(call, target, v, release):
    """An expired (correctly signed) token is refused like a bad one."""
    if target.key is None:
        pytest.skip("expired tokens need the HS256 key: set SLURM_JWT_KEY_FILE")
    token = mint(target.key, target.user, 60, now=time.time() - 3600)
    r = call("GET", f"/slurm/{v}/jobs/", {"X-SLURM-USER-TOKEN": token})
    assert r.status_code == expect(release, "bad_token"), r.text[:300]
    r = call("GET", f"/slurm/{v}/ping/", {"X-SLURM-USER-TOKEN": token})
    assert r.status_code == expect(release, "bad_token_ping"), r.text[:300]


def test_ping_with_bad_token_reports_down(call, v, release):
    """/ping answers 200 with the controller DOWN (it refused the token), not an auth error: `pinged` DOWN,
    or from v0.0.45 on `status` with the refusal's text."""
    r = call("GET", f"/slurm/{v}/ping/", {"X-SLURM-USER-TOKEN": "not-a-jwt"})
    assert r.status_code == expect(release, "bad_token_ping"), r.text[:300]
    if r.status_code == 200:
        ping = r.json()["pings"][0]
        assert ping["responding"] is False, ping
        if "pinged" in ping:
            assert ping["pinged"] == "DOWN", ping
        else:
            assert ping["status"] == "Protocol authentication error", ping


@pytest.mark.family("slurmdb")
def test_slurmdb_bad_token(call, v, release):
    """/slurmdb/ with a bad token: 502 error 7000 on 25.11 (slurmdbd refuses the connection)."""
    r = call("GET", f"/slurmdb/{v}/accounts/", {"X-SLURM-USER-TOKEN": "not-a-jwt"})
    assert r.status_code == expect(release, "bad_token_db"), r.text[:300]


def test_both_header_styles_work(call, target, v, release):
    """X-SLURM-USER-TOKEN and Authorization: Bearer are both accepted."""
    r = call("GET", f"/slurm/{v}/jobs/", target.headers("header"))
    assert r.status_code == 200, r.text[:300]
    if not expect(release, "bearer"):
        pytest.skip(f"Slurm {release} knows no Bearer tokens")
    r = call("GET", f"/slurm/{v}/jobs/", target.headers("bearer"))
    assert r.status_code == 200, r.text[:300]


def test_mixing_header_styles_rejected(call, target, v, release):
    """Both styles in one request are rejected."""
    headers = {**target.headers("header"), **target.headers("bearer")}
    r = call("GET", f"/slurm/{v}/jobs/", headers)
    assert r.status_code in expect(release, "mixed_headers"), (r.status_code, r.text[:300])


# measured on real 25.11.7 (issue #7 §1): a token slurmctld/slurmdbd refuses, answered per operation;
# (method, path, status, payload keys besides meta/errors/warnings, (number, description, source) or None)
_JOB = {"job": {"script": "#!/bin/bash\ntrue", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}}
REFUSED_2511 = [
    ("GET", "/slurm/{v}/jobs/", 511, {"jobs", "last_backfill", "last_update"},
     (1007, "Unable to query jobs", "slurm_load_jobs()")),
    ("GET", "/slurm/{v}/job/1", 511, {"jobs", "last_backfill", "last_update"},
     (1007, "Unable to query JobId=1", "_handle_job_get")),
    ("GET", "/slurm/{v}/nodes/", 511, set(), (1007, "Failure to query nodes", "_dump_nodes")),
    ("GET", "/slurm/{v}/partitions/", 511, set(), None),
    ("GET", "/slurm/{v}/diag/", 511, set(),
     (1007, "slurm_get_statistics() failed to get slurmctld statistics", "op_handler_diag")),
    ("GET", "/slurm/{v}/licenses/", 511, {"last_update", "licenses"},
     (1007, "slurm_load_licenses() was unable to load licenses", "op_handler_licenses")),
    ("GET", "/slurm/{v}/shares", 500, set(), (-1, "slurm_associations_get_shares() failed: GET", "_dump_shares")),
    ("POST", "/slurm/{v}/job/submit", 511, set(), (1007, "Batch job submission failed", "slurm_submit_batch_job()")),
    pytest.param("GET", "/slurmdb/{v}/accounts/", 502, set(),
                 (7000, "Failed to open slurmdbd connection, authentication error", "openapi_get_db_conn"),
                 marks=pytest.mark.family("slurmdb")),
]


@pytest.mark.parametrize("method,path,status,keys,error", REFUSED_2511)
@pytest.mark.measured_on("25.11")
def test_refused_token_answer_per_operation(call, v, release, method, path, status, keys, error):
    """Each operation reports the refusal its own way: description, source, number and payload keys."""
    if not release.startswith("25.11"):
        pytest.skip(f"measured on 25.11.7; {release} not measured")
    r = call(method, path.format(v=v), {"X-SLURM-USER-TOKEN": "not-a-jwt"}, json=_JOB if method == "POST" else None)
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert set(body) - {"meta", "errors", "warnings"} == keys, sorted(body)
    got = [(e.get("error_number"), e.get("description"), e.get("source")) for e in body["errors"]]
    assert got == ([] if error is None else [error]), got


@pytest.mark.measured_on("25.11")
def test_both_header_styles_refused_before_routing(call, target, v, release):
    """25.11.7: both styles at once is 401 text/plain on every path, ping included (slurmrestd refuses it)."""
    if not release.startswith("25.11"):
        pytest.skip(f"measured on 25.11.7; {release} not measured")
    headers = {**target.headers("header"), **target.headers("bearer")}
    for path in (f"/slurm/{v}/ping/", f"/slurm/{v}/jobs/"):
        r = call("GET", path, headers)
        assert r.status_code == 401 and r.headers.get("content-type", "").startswith("text/plain"), path
