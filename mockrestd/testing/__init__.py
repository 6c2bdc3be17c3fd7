"""Test against mockrestd from Python: `start()` a mock (a context manager), or use the pytest fixtures
`slurmrestd` / `slurmrestd_clean` that installing the package registers (see README, "pytest")."""

from .server import DEFAULT_USER, ControlError, MockSlurmrestd, Settings


def start(mode: str = "socket", **settings) -> MockSlurmrestd:
    """A started mock; `with start() as mock: ...` stops it again. Settings: cluster, speed, versions,
    profile, specs, user (see `Settings`)."""
    return MockSlurmrestd(Settings(mode=mode, **settings))


__all__ = ["start", "MockSlurmrestd", "Settings", "ControlError", "DEFAULT_USER"]
