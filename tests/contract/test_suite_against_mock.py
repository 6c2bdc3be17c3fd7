"""The contract suite against a healthy mock passes; against a mock broken on purpose it fails.

Each case breaks one thing the suite promises to notice, without editing mockrestd: the unknown-job
status (profile), a field of the job record (ASGI wrapper), auth (gate's authenticate replaced)."""

from __future__ import annotations

import dataclasses
import json


CORE = "test_auth or test_jobs or test_operation"
CORE_OPERATIONS = "*_get_job,*_get_ping,*_post_job_submit,*_get_partitions,*_get_nodes,*_delete_job"


def test_core_passes_against_mock(inproc, tmp_path):
    mock = inproc()
    rc, out, report = run(mock, tmp_path, "-k", CORE, CONTRACT_OPERATIONS=CORE_OPERATIONS)
    assert rc == 0, out[-6000:]
    assert report is not None
    ops = report["operations"]
    assert ops["slurm_v0044_get_job"]["total_cases"] > 0
    assert ops["slurm_v0044_get_job"]["failures"] == []
    assert ops["slurm_v0044_post_job_submit"]["scenario_requests"] > 0
    assert ops["slurm_v0044_get_diag"]["excluded"] == "not in CONTRACT_OPERATIONS"
    assert report["summary"]["tests"].get("failed", 0) == 0
    assert (tmp_path / "report" / "contract-report.txt").read_text().startswith("Contract report")


def test_detects_wrong_status_for_unknown_job(inproc, tmp_path):
    """(a) unknown job answered 500 instead of 404."""
    mock = inproc()
    p = mock.site.profile
    mock.site.profile = dataclasses.replace(p, status_exact={**p.status_exact, 2017: 500})
    rc, out, _ = run(mock, tmp_path, "-k", "test_unknown_job")
    assert rc == 1, out[-4000:]
    assert "test_unknown_job" in out and "assert 500 == 404" in out


def _drop_job_state(app):
    """ASGI wrapper: job records lose `job_state` in every JSON answer (a field missing in the record)."""
    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or "/job" not in scope["path"]:
            return await app(scope, receive, send)
        start = {}
        chunks = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                data = json.loads(body)
                for job in data.get("jobs", []) if isinstance(data, dict) else []:
                    if isinstance(job, dict):
                        job.pop("job_state", None)
                body = json.dumps(data).encode()
            except ValueError:
                pass
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        return await app(scope, receive, capture)
    return wrapped


def test_detects_missing_field_in_job_record(inproc, tmp_path):
    """(b) job records without `job_state`: schema validation alone cannot see it (the spec requires no job
    field), the completeness check and the lifecycle scenario do."""
    mock = inproc(wrap=_drop_job_state)
    rc, out, _ = run(mock, tmp_path, "-k", "test_job_record_has_every_field or test_lifecycle_completed")
    assert rc == 1, out[-4000:]
    assert "lacks ['job_state']" in out
    assert "failed" in out and "passed" not in out.splitlines()[-1]


def test_detects_auth_not_checked(inproc, tmp_path, monkeypatch):
    """(c) every request accepted as root, with or without a token."""
    import mockrestd.http.gate as gate
    from mockrestd.auth.gate import AuthOutcome, Identity

    def accept_all(headers, keyring, **kw):
        return AuthOutcome("ok", Identity("root", True, "root"))
    monkeypatch.setattr(gate, "authenticate", accept_all)
    mock = inproc()
    rc, out, report = run(mock, tmp_path, "-k", "test_auth")
    assert rc == 1, out[-4000:]
    failed = {t["nodeid"].split("::")[-1] for t in report["tests"] if t["outcome"] == "failed"}
    assert "test_missing_token_is_401_text" in failed
    assert any(name.startswith("test_bad_token_rejected_by_controller") for name in failed)
    assert "test_expired_token" in failed


def run(mock, tmp_path, *args, **env):
    from tests.contract.conftest import run_suite
    return run_suite(mock.env(tmp_path / "report", **env), *args)
