"""Real Slurm targets from compose/native, started by the tests themselves (root + apt + debootstrap).

`MOCKRESTD_REAL=1` runs them (scripts/test.sh sets it when it runs as root with apt-get, so CI does);
`MOCKRESTD_REAL=0` leaves them out with a reason. A target that was already up is reused and left
running; one these tests started is stopped at the end of the session."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REAL = os.environ.get("MOCKRESTD_REAL") == "1"
SKIP_REASON = "real Slurm targets run with MOCKRESTD_REAL=1 (root + apt + debootstrap; scripts/test.sh sets it as root)"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/real/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.real)
            if not REAL:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _session_target(real_slurm, name: str, with_dbd: bool):
    was_running = _listening(real_slurm.PORTS[name])
    yield real_slurm.start(name, with_dbd=with_dbd)
    if not was_running:
        real_slurm.stop(name)


@pytest.fixture(scope="session")
def forky(real_slurm):
    """Slurm 26.05 (Debian forky chroot) with MariaDB + slurmdbd: v0.0.42-v0.0.45."""
    yield from _session_target(real_slurm, "forky", with_dbd=True)


@pytest.fixture(scope="session")
def trixie(real_slurm):
    """Slurm 24.11 (Debian trixie chroot), no slurmdbd: v0.0.40-v0.0.42."""
    yield from _session_target(real_slurm, "trixie", with_dbd=False)


@pytest.fixture(scope="session")
def host(real_slurm):
    """Slurm 22.05 (this Debian 12's own packages, apt-get on the host) with MariaDB + slurmdbd: v0.0.36-v0.0.38."""
    yield from _session_target(real_slurm, "host", with_dbd=True)
