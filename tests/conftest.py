"""Shared fixtures: the real spec documents from ../shared, a mock site on a manual clock, a token maker."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MOCKRESTD_SHARED", ROOT.parent / "shared"))
SHARED_SPECS = SHARED / "specs"
FIXTURES_REAL = SHARED / "fixtures-real" / "Slurm-web" / "tests" / "assets" / "slurmrestd"


@pytest.fixture(scope="session")
def shared_specs() -> Path:
    assert SHARED_SPECS.is_dir(), f"the real specs are expected in {SHARED_SPECS} (../shared beside the repo)"
    return SHARED_SPECS


@pytest.fixture(scope="session")
def spec_set(shared_specs):
    from mockrestd.specs import load_specs
    return load_specs(shared_specs, only={"v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"})


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "jwt_hs256.key"
    path.write_bytes(os.urandom(32))
    return path


@pytest.fixture
def mock(spec_set, key_file):
    """A mock slurmrestd (25.11 profile) on a manual clock, driven through its ASGI app."""
    from tests.support import MockHarness
    harness = MockHarness(spec_set, key_file)
    yield harness
    harness.close()


@pytest.fixture(scope="session")
def real_slurm():
    """compose/native/real_slurm.py, imported by path (it is not part of the mockrestd package)."""
    spec = importlib.util.spec_from_file_location("real_slurm", ROOT / "compose" / "native" / "real_slurm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
