"""compose/docker-compose.yml for real: Slurm 26.05 (Debian forky images) with slurmdbd + MariaDB, and the
containerised mockrestd, on a Docker engine or, where there is none (CI), on podman's Docker-compatible
service started here; the images come from compose/images.sh (a debootstrapped base when no registry
answers; cached by a content hash, so a second run builds nothing). Through the Docker SDK: start, wait,
`scontrol token` inside slurmctld; then the contract suite's `docker` target (CONTRACT_TARGET=docker) and the
differential run between the containerised real daemon and the containerised mock; then tear down.

Runs with MOCKRESTD_REAL=1 (CI sets it). There, an engine that cannot be brought up is a failure, not a skip.
Reports go to reports/containers-*/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from contract_tests import differential, docker_target
from tests.real.conftest import REPO

SEED = os.environ.get("CONTRACT_SEED", "20261201")
# The contract suite at v0.0.44, the version the mock is written for (v0.0.45 is covered against the forky
# chroot by test_contract_real.py); the differential at v0.0.44 and at v0.0.45, whose requeue steps run too
# ("requeued job" races the requeue itself, so it is a timing step in differential.py).
VERSIONS = ("v0.0.44",)
DIFFERENTIAL_VERSIONS = ("v0.0.44", "v0.0.45")


@pytest.fixture(scope="module")
def stack():
    t0 = time.monotonic()
    s = docker_target.stack("forky")
    try:
        s.up()
        print(f"\ncontainers: images {s.timings['images_s']} s, compose up {s.timings['compose_up_s']} s, "
              f"ready {s.timings['ready_s']} s after up ({time.monotonic() - t0:.0f} s in all)")
        yield s
    finally:
        s.down()


def test_stack_serves_real_slurm_26_05_and_the_mock(stack):
    real, mock = stack.real_target(), stack.mock_target()
    assert real.release().startswith("26.05."), real.release()
    assert stack.version == "v0.0.45"
    assert mock.release("v0.0.44").startswith("26.05"), mock.release("v0.0.44")
    # the token minted by scontrol inside the container is accepted by both (one key)
    import httpx
    for t in (real, mock):
        r = httpx.get(f"{t.url}/slurmdb/v0.0.44/accounts/", headers=t.headers(), timeout=30)
        assert r.status_code == 200, (t.kind, r.status_code, r.text[:500])
        assert "mockci" in {a["name"] for a in r.json()["accounts"]} or t.is_mock


def test_contract_suite_docker_target(stack):
    report = REPO / "reports" / "containers-suite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTRACT_", "SLURM"))}
    env.update(CONTRACT_TARGET="docker", DOCKER_HOST=stack.url, CONTRACT_VERSIONS=",".join(VERSIONS),
               CONTRACT_REPORT_DIR=str(report), CONTRACT_SEED=SEED,
               PYTHONPATH=os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "contract_tests", "-q", "-p", "no:cacheprovider",
                           "-k", "test_jobs or test_auth"], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=1500)
    data = json.loads((report / "contract-report.json").read_text())
    print(f"\ncontract suite, docker target {','.join(VERSIONS)}: {time.monotonic() - started:.0f} s, "
          f"{data['summary']['tests']}")
    failed = [t.get("nodeid", "") for t in data.get("tests", []) if t.get("outcome") == "failed"]
    assert proc.returncode == 0 and not failed, (
        f"contract suite against the containerised Slurm failed (rc {proc.returncode}); report in {report}\n"
        + "\n".join(failed[:30]) + "\n" + (proc.stdout + proc.stderr)[-6000:])
    skipped = [f"{t.get('nodeid')}: {t.get('reason', '')}" for t in data.get("tests", []) if t.get("outcome") == "skipped"]
    assert not skipped, "tests skipped against the containerised Slurm:\n" + "\n".join(skipped)
    assert data["target"]["kind"] == "docker" and data["target"]["release"].startswith("26.05."), data["target"]


@pytest.mark.parametrize("version", DIFFERENTIAL_VERSIONS)
def test_differential_containerised_real_vs_containerised_mock(stack, version, monkeypatch):
    monkeypatch.setenv("CONTRACT_REPORT_DIR", str(REPO / "reports" / "containers-differential"))
    started = time.monotonic()
    result = differential.run(stack.real_target(), stack.mock_target(), version)
    out = differential.write(result)
    print(f"\ndifferential {version}: {time.monotonic() - started:.0f} s, {len(result['steps'])} steps, "
          f"{len(result['disagreements'])} disagreements")
    assert result["real"]["release"].startswith("26.05."), result["real"]
    assert not result["disagreements"], (
        f"{len(result['disagreements'])} disagreements between the containerised real daemon and mock at "
        f"{version} (see {out / differential.file_name(version, 'txt')}):\n" + differential.render_text(result)[-4000:])
