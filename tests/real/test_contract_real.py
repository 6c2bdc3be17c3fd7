"""The contract suite against real slurmctld + slurmrestd, as CI runs it nightly: Slurm 26.05 (forky, with
slurmdbd) at v0.0.44 and v0.0.45, Slurm 24.11 (trixie) at v0.0.42 and Slurm 22.05 (host: Debian 12's packages,
with slurmdbd) at v0.0.38. Each run includes the differential
run against a mock imitating the same release; only the listed divergences are relaxed.

Two passes per target, so jobs cannot get in each other's way on a one-node cluster: first the job
scenarios, auth and the differential run, then schemathesis' generated phases (whose submitted jobs are
cancelled at once on a real target). Reports go to reports/real-<target>-<pass>/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.real.conftest import REPO

# the nightly run generates the same requests every time, so a result can be reproduced (and a change in
# the target, not in the draw, is what makes it differ); export another seed to explore further
SEED = os.environ.get("CONTRACT_SEED", "20261201")
PASSES = {
    "scenarios": ["-k", "test_jobs or test_auth or test_differential"],
    "generated": ["-n", "2", "-k", "test_operation or test_stateful"],
}


# 22.05 (v0.0.38): the job scenarios and auth tests are written for v0.0.40+ (test_jobs is deselected
# there by itself; test_auth's answers are 23.x+'s, 22.05.8's are the mock's HTTP tests in
# tests/api/test_profile_2205.py and test_rejected_tokens.py): its scenarios pass is the differential run
TARGET_PASSES = {"host": {"scenarios": ["-k", "test_differential"]}}


def _run_suite(env: dict, target: str, versions: str, which: str) -> tuple[int, str, dict, float]:
    report = REPO / "reports" / f"real-{target}-{which}"
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "SLURM"))}
    run_env.update({"SLURMRESTD_URL": env["SLURMRESTD_URL"], "SLURM_JWT": env["SLURM_JWT"],
                    "SLURM_JWT_KEY_FILE": env["SLURM_JWT_KEY_FILE"], "CONTRACT_VERSIONS": versions,
                    # 22.05 takes a token only with X-SLURM-USER-NAME beside it (the suite sends it when given)
                    **({"SLURM_USER": env["SLURM_USER"]} if target == "host" else {}),
                    "CONTRACT_REPORT_DIR": str(report), "CONTRACT_SEED": SEED})
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "contract_tests", "-q", "-p", "no:cacheprovider",
                           *TARGET_PASSES.get(target, {}).get(which, PASSES[which])], cwd=REPO, env=run_env, capture_output=True, text=True,
                          timeout=1500)
    took = time.monotonic() - started
    data = json.loads((report / "contract-report.json").read_text())
    print(f"\ncontract suite, {target} {versions} {which}: {took:.0f} s, {data['summary']['tests']}")
    return proc.returncode, proc.stdout + proc.stderr, data, took


def _check(target: str, rc: int, out: str, data: dict) -> None:
    failed = [t for t in data.get("tests", []) if t.get("outcome") == "failed"]
    assert rc == 0 and not failed, (
        f"contract suite against real {target} failed (rc {rc}); report in reports/real-{target}-*/\n"
        + "\n".join(t.get("nodeid", "") for t in failed[:30]) + "\n" + out[-6000:])
    # a test that does not apply to this target is deselected by the suite; a skip here is a hole (a key
    # or a header style the target was not given) and would pass for green
    skipped = [f"{t.get('nodeid')}: {t.get('reason', '')}" for t in data.get("tests", [])
               if t.get("outcome") == "skipped"]
    assert not skipped, f"tests skipped against real {target}:\n" + "\n".join(skipped)


@pytest.mark.parametrize("which", list(PASSES))
def test_suite_against_real_26_05(forky, which):
    rc, out, data, _ = _run_suite(forky, "forky", "v0.0.44,v0.0.45", which)
    _check("forky", rc, out, data)
    assert data["target"]["release"].startswith("26.05."), data["target"]
    ran = {oid for oid, o in data["operations"].items() if o.get("total_cases") or o.get("scenario_requests")}
    assert any(oid.startswith("slurm_v0045_") for oid in ran) and any(oid.startswith("slurmdb_v0044_") for oid in ran)


@pytest.mark.parametrize("which", list(PASSES))
def test_suite_against_real_24_11(trixie, which):
    rc, out, data, _ = _run_suite(trixie, "trixie", "v0.0.42", which)
    _check("trixie", rc, out, data)
    assert data["target"]["release"].startswith("24.11."), data["target"]


# 22.05.8's generated phases run with its own crashers withheld (divergences.toml [[crash]]: a non-numeric
# accounting job id or step filter, a null argv, a YAML scalar body) and its writes left out as destructive
@pytest.mark.parametrize("which", list(PASSES))
def test_suite_against_real_22_05(host, which):
    rc, out, data, _ = _run_suite(host, "host", "v0.0.38", which)
    _check("host", rc, out, data)
    assert data["target"]["release"].startswith("22.05."), data["target"]
    if which == "scenarios":      # the differential run is what the scenarios pass holds at v0.0.38
        ran = [t for t in data.get("tests", []) if "test_differential" in t.get("nodeid", "")]
        assert ran and all(t.get("outcome") == "passed" for t in ran), ran
