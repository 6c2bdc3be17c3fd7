"""Tests of compose/: the Docker Compose files (static), the native scripts, and one real-Slurm test."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose"
NATIVE = COMPOSE / "native"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "real: starts a real Slurm (compose/native, root + apt + debootstrap); runs only with MOCKRESTD_REAL=1",
    )


@pytest.fixture(scope="session")
def real_slurm():
    """compose/native/real_slurm.py, imported by path (it is not part of the mockrestd package)."""
    spec = importlib.util.spec_from_file_location("real_slurm", NATIVE / "real_slurm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
