"""Token answers over HTTP, as measured on slurmrestd 25.11.7 (DESIGN Part 1, Auth)."""

import time

import jwt

V = "/slurm/v0.0.44"


def test_both_header_styles_work(mock):
    for style in ("bearer", "slurm"):
        r = mock.get(f"{V}/jobs/", headers=mock.headers("alice", style))
        assert r.status_code == 200
        assert r.json()["meta"]["client"]["user"] == "alice"


def test_both_styles_at_once_is_refused_by_slurmrestd_itself(mock):
    """Real 25.11.7: 401 text/plain `Authentication failure`, Connection: Close, on every path (ping too)."""
    h = {**mock.headers("alice", "bearer"), **mock.headers("alice", "slurm")}
    for path in (f"{V}/jobs/", f"{V}/ping/", "/slurmdb/v0.0.41/accounts/", f"{V}/no-such-thing"):
        r = mock.get(path, headers=h)
        assert (r.status_code, r.text) == (401, "Authentication failure\n"), path
        assert r.headers["content-type"].startswith("text/plain") and r.headers["connection"] == "Close"


def test_bad_signature_is_511_with_error_1007_and_empty_body(mock):
    token = jwt.encode({"sun": "alice", "exp": int(time.time()) + 60, "iat": int(time.time())}, b"x" * 32,
                       "HS256")
    r = mock.get(f"{V}/jobs/", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 511
    body = r.json()
    assert body["jobs"] == []
    assert body["errors"][0]["error_number"] == 1007
    assert body["errors"][0]["error"] == "Protocol authentication error"
    assert r.headers["connection"].lower() == "close"


def test_expired_and_garbage_tokens_are_511(mock):
    expired = mock.token("alice", lifespan=10, now=time.time() - 100)
    for token in (expired, "garbage", "a.b.c"):
        r = mock.get(f"{V}/nodes/", headers={"X-SLURM-USER-TOKEN": token})
        assert r.status_code == 511, token


def test_partitions_bad_token_has_no_errors(mock):
    r = mock.get(f"{V}/partitions/", headers={"X-SLURM-USER-TOKEN": "garbage"})
    assert r.status_code == 511
    assert r.json()["errors"] == []


def test_ping_with_bad_token_is_200_down(mock):
    r = mock.get(f"{V}/ping/", headers={"X-SLURM-USER-TOKEN": "garbage"})
    assert r.status_code == 200
    ping = r.json()["pings"][0]
    assert ping["pinged"] == "DOWN"
    assert ping["responding"] is False


def test_slurmdb_bad_token_is_502_error_7000(mock):
    r = mock.get("/slurmdb/v0.0.44/accounts/", headers={"X-SLURM-USER-TOKEN": "garbage"})
    assert r.status_code == 502
    assert r.json()["errors"][0]["error_number"] == 7000


def test_impersonation_only_for_operators(mock):
    root = mock.token("root")
    r = mock.get(f"{V}/jobs/", headers={"X-SLURM-USER-TOKEN": root, "X-SLURM-USER-NAME": "bob"})
    assert r.status_code == 200
    assert r.json()["meta"]["client"]["user"] == "bob"
    alice = mock.token("alice")
    r = mock.get(f"{V}/jobs/", headers={"X-SLURM-USER-TOKEN": alice, "X-SLURM-USER-NAME": "bob"})
    assert r.status_code == 511
    r = mock.get(f"{V}/ping/", headers={"X-SLURM-USER-TOKEN": alice, "X-SLURM-USER-NAME": "bob"})
    assert r.json()["pings"][0]["pinged"] == "DOWN"


def test_unknown_user_works_by_default(mock):
    job_id = mock.submit(user="dave")
    assert mock.job(job_id)[0]["user_name"] == "dave"


def test_unknown_user_strict_is_6010(mock):
    mock.cluster.strict_users = True
    r = mock.post(f"{V}/job/submit", user="dave", json={"job": {
        "script": "#!/bin/bash\ntrue", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}})
    assert r.status_code == 500
    assert r.json()["errors"][0]["error_number"] == 6010
    assert mock.get(f"{V}/jobs/", user="dave").status_code == 200
