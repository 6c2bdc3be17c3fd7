"""The suite against a target that dies mid-run: one clear failure naming the last requests, the rest not
sent; known crashers withheld on real targets and probed on purpose with CONTRACT_CRASH_PROBE=1."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.contract.conftest import _free_port, run_suite

HERE = Path(__file__).resolve().parent


@pytest.fixture
def dying(inproc):
    """Factory: dying(mode) → (mock, proxy url); the proxy dies like a crashed daemon (see dying_server.py)."""
    procs = []

    def make(mode: str):
        mock = inproc()
        port = _free_port()
        proc = subprocess.Popen([sys.executable, str(HERE / "dying_server.py"), str(port), mock.url, mode],
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == "ready"
        return mock, f"http://127.0.0.1:{port}", proc
    yield make
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(10)


def _env(mock, url, tmp_path, **extra):
    env = mock.env(tmp_path / "report", **extra)
    env["SLURMRESTD_URL"] = url
    return env


def test_target_dying_mid_run_is_one_failure_with_the_last_requests(dying, tmp_path):
    mock, url, proc = dying("after=25")
    env = _env(mock, url, tmp_path, CONTRACT_OPERATIONS="*_get_ping,*_get_diag,*_get_nodes,*_get_partitions,"
               "*_get_licenses,*_get_jobs", CONTRACT_PHASES="examples,fuzzing", CONTRACT_MAX_EXAMPLES="10")
    rc, out, report = run_suite(env, "-k", "test_operation", timeout=300, module="test_schema")
    assert proc.poll() is not None, "the proxy should have died"
    assert rc == 1, out[-4000:]
    failed = [t for t in report["tests"] if t["outcome"] == "failed"]
    assert len(failed) == 1, [t["nodeid"] for t in failed]
    assert "TARGET DIED" in failed[0]["message"] and "Suspected crash" in failed[0]["message"]
    assert "curl -X GET" in failed[0]["message"] and "[Filtered]" in failed[0]["message"]
    assert "target died mid-run (see the first failure): the rest is not sent" in out, out[-3000:]
    assert "passed" in out.splitlines()[-1]                  # what ran before the death still counts
    died = report["target_died"]
    assert died and died[0]["last_requests"], report.keys()
    assert "TARGET DIED" in (tmp_path / "report" / "contract-report.txt").read_text()


def test_crash_probe_reports_a_crasher_that_still_kills_the_target(dying, tmp_path):
    mock, url, proc = dying("crashers")
    env = _env(mock, url, tmp_path, CONTRACT_CRASH_PROBE="1", CONTRACT_VERSIONS="v0.0.43,v0.0.44",
               CONTRACT_DEAD_WAIT="1")
    rc, out, report = run_suite(env, "-k", "test_crash_probe", timeout=300, module="test_crashes")
    assert rc == 1, out[-4000:]
    assert proc.poll() is not None
    text = "\n".join(t["message"] for t in report["tests"] if t["outcome"] == "failed")
    assert "wckeys-only-defaults-bad-usage-time at v0.0.43: no answer" in text and "STILL CRASHES" in text, text
    assert "only_defaults&usage_end=x" in text
    assert "slurmdb-jobs-update-without-job-rec at v0.0.44: not probed" in text, text


def test_crash_probe_against_a_target_that_survives(inproc, tmp_path):
    mock = inproc()
    env = mock.env(tmp_path / "report", CONTRACT_CRASH_PROBE="1", CONTRACT_VERSIONS="v0.0.43,v0.0.44")
    rc, out, report = run_suite(env, "-k", "test_crash_probe", "-s", timeout=300, module="test_crashes")
    assert rc == 0, out[-4000:]
    assert "wckeys-only-defaults-bad-usage-time at v0.0.43: answered" in out
    assert "wckeys-only-defaults-bad-usage-time at v0.0.44: answered" in out
    assert "slurmdb-jobs-update-without-job-rec at v0.0.44: answered" in out
    assert "slurmdb-jobs-update-without-job-rec at v0.0.43" not in out      # v0.0.43 has no POST jobs/
    httpx.get(mock.url + "/openapi/v3", timeout=5)


def test_crash_probe_is_deselected_without_the_variable(inproc, tmp_path):
    mock = inproc()
    rc, out, _ = run_suite(mock.env(tmp_path / "report"), "-k", "test_crash_probe", timeout=300,
                            module="test_crashes")
    assert rc == 5 and "deselected" in out, out[-2000:]
