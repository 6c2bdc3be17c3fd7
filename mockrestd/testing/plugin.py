"""The pytest plugin (entry point `pytest11: mockrestd`): fixtures `slurmrestd` (one mock per session and
per xdist worker) and `slurmrestd_clean` (the same mock, reset before the test)."""

from __future__ import annotations

import pytest

_OPTIONS = [   # (name, help); each is `--mockrestd-NAME` on the command line and `mockrestd_NAME` in ini
    ("mode", "socket (a free 127.0.0.1 port) or inprocess (httpx over ASGI, no socket); default socket"),
    ("cluster", "cluster file (TOML or YAML); default: the embedded cluster"),
    ("speed", "clock speed factor (default 1)"),
    ("versions", "comma-separated API versions to serve (default: all the profile serves)"),
    ("profile", "Slurm release profile (e.g. 25.11, 26.05)"),
    ("specs", "folder of spec documents (default: where `mockrestd serve` looks)"),
    ("user", "the user of the ready clients (default alice)"),
]


def pytest_addoption(parser):
    group = parser.getgroup("mockrestd", "mock slurmrestd (mockrestd)")
    for name, text in _OPTIONS:
        group.addoption(f"--mockrestd-{name}", dest=f"mockrestd_{name}", default=None, help=text)
        parser.addini(f"mockrestd_{name}", text, default=None)


def settings_from(config):
    """The Settings the options give: the command line wins over the ini file."""
    from .server import DEFAULT_USER, Settings

    def get(name):
        value = config.getoption(f"mockrestd_{name}")
        return value if value is not None else config.getini(f"mockrestd_{name}")

    versions = tuple(v.strip() for v in (get("versions") or "").split(",") if v.strip())
    return Settings(mode=get("mode") or "socket", cluster=get("cluster") or None, speed=float(get("speed") or 1),
                    versions=versions, profile=get("profile") or None, specs=get("specs") or None,
                    user=get("user") or DEFAULT_USER)


@pytest.fixture(scope="session")
def slurmrestd(pytestconfig):
    """A running mock slurmrestd: `.url`, `.token(user)`, `.client` (httpx), `.slurm` / `.slurmdb`
    (slurmrestapi), and `.advance(s)`, `.freeze()`, `.reset()`, `.fault(kind, ...)`, `.load_cluster(f)`,
    `.journal()`. Stopped at the end of the session."""
    from .server import MockSlurmrestd

    mock = MockSlurmrestd(settings_from(pytestconfig))
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def slurmrestd_clean(slurmrestd):
    """The session's mock, reset first: initial cluster, no jobs, no faults, empty journal, running clock."""
    slurmrestd.reset()
    return slurmrestd
