"""Fixtures shared by the API tests."""

from __future__ import annotations

import shutil

import pytest

from tests.support import MockHarness


@pytest.fixture
def mock2205(shared_specs, key_file, tmp_path):
    """The mock on 22.05.8's document alone (the 22.05 profile: v0.0.36-38)."""
    from mockrestd.specs import load_specs
    folder = tmp_path / "specs2205"
    folder.mkdir()
    shutil.copy(shared_specs / "slurm-22.05.8-openapi-v3.json", folder)
    harness = MockHarness(load_specs(folder), key_file, release="22.05.8")
    yield harness
    harness.close()
