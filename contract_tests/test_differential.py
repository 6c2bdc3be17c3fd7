"""Differential run (differential.py) as a test, once per API version under test: runs only when a real
target is given (SLURMRESTD_URL + SLURM_JWT); a mock imitating its release is started beside it. Fails
when any answer disagrees; the lists are in CONTRACT_REPORT_DIR/differential-<version>.txt and .json."""

import os

import pytest

from contract_tests import differential
from contract_tests.target import external_target

# on the worker of the job scenarios: its jobs and theirs would keep each other pending on a small cluster
pytestmark = pytest.mark.xdist_group("job-scenarios")


def test_differential(version):
    real = external_target()
    if real is None:
        pytest.skip("differential run needs a real target (SLURMRESTD_URL + SLURM_JWT) beside the mock")
    if os.environ.get("CONTRACT_DIFFERENTIAL", "1") == "0":
        pytest.skip("CONTRACT_DIFFERENTIAL=0")
    only = [v.strip() for v in os.environ.get("CONTRACT_DIFF_VERSION", "").split(",") if v.strip()]
    if only and version not in only:
        pytest.skip(f"CONTRACT_DIFF_VERSION={','.join(only)}")
    mock = differential.mock_for(real)
    try:
        result = differential.run(real, mock, version)
    finally:
        mock.stop()
    out = differential.write(result)
    assert not result["disagreements"], (
        f"{len(result['disagreements'])} disagreements between real and mock at {version} "
        f"(see {out / differential.file_name(version, 'txt')}):\n" + differential.render_text(result)[-4000:])
