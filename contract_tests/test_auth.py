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
    def _call(method, path, headers=None):
        r = httpx.request(method, target.url + path, headers=headers or {}, timeout=30)
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
