"""Differential run (differential.py) as a test: runs only when a real target is given (SLURMRESTD_URL +
SLURM_JWT); the mock is started beside it. Fails when any answer disagrees; the lists are in
CONTRACT_REPORT_DIR/differential.txt and .json."""

import os

import pytest

from contract_tests import differential
from contract_tests.target import external_target


def test_differential():
    real = external_target()
    if real is None:
        pytest.skip("differential run needs a real target (SLURMRESTD_URL + SLURM_JWT) beside the mock")
    if os.environ.get("CONTRACT_DIFFERENTIAL", "1") == "0":
        pytest.skip("CONTRACT_DIFFERENTIAL=0")
    version = os.environ.get("CONTRACT_DIFF_VERSION", differential.DEFAULT_VERSION)
    mock = differential.mock_for(real)
    try:
        result = differential.run(real, mock, version)
    finally:
        mock.stop()
    out = differential.write(result)
    assert not result["disagreements"], (
        f"{len(result['disagreements'])} disagreements between real and mock at {version} "
        f"(see {out / 'differential.txt'}):\n" + differential.render_text(result)[-4000:])
