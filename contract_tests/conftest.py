"""Shared fixtures of the suite, and the report plugin's registration."""

from __future__ import annotations

import pytest

from contract_tests import recorder
from contract_tests.report import EVENTS_KEY, register


def pytest_configure(config):
    register(config)
    config.addinivalue_line("markers", "family(name): needs the target to serve /<name>/ at the newest version "
                                       "under test (deselected otherwise)")
    config.addinivalue_line("markers", "no_version: no API version under test suits it (deselected)")
    config.addinivalue_line("markers", "measured_on(release): the expected answers were measured on that release "
                                       "only (deselected on an external target of another release)")


def pytest_collection_modifyitems(config, items):
    """Items that cannot apply to this target are deselected (and pytest says so) rather than reported as
    skipped: the differential run against the mock alone (nothing to compare), tests of a plugin family
    the target does not serve (a slurmrestd without slurmdbd has no /slurmdb/), and the crash probe unless
    CONTRACT_CRASH_PROBE=1 asks for it (it then runs last: it may kill the target)."""
    from contract_tests.target import env_flag, external_target
    dropped = [i for i in items if not _family_served(i)]
    if external_target() is None:
        dropped += [i for i in items if i.originalname == "test_differential"]
    ext = external_target()
    if ext is not None:     # answers measured on one release only: not a claim about another release
        release = ext.release() or ""
        dropped += [i for i in items if i.get_closest_marker("measured_on")
                    and not release.startswith(i.get_closest_marker("measured_on").args[0])]
    dropped += [i for i in items if i.get_closest_marker("no_version")]
    probes = [i for i in items if i.originalname == "test_crash_probe"]
    if not env_flag("CONTRACT_CRASH_PROBE", False):
        dropped += probes
    if dropped:
        items[:] = [i for i in items if i not in dropped]
        config.hook.pytest_deselected(items=dropped)
    items[:] = [i for i in items if i not in probes] + [i for i in items if i in probes]


@pytest.fixture(autouse=True)
def _target_alive():
    """Once the target has died (contract_tests/liveness.py) nothing more is sent: later tests are skipped
    with the reason, and the run already has its one failure."""
    from contract_tests import liveness
    why = liveness.dead()
    if why is not None:
        pytest.skip("target died earlier in this run; not sent. " + why.splitlines()[0])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that died on a refused/reset connection: if the target answered before and answers no more,
    the failure becomes the suspected-crash explanation and the session stops there (exit status 1)."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or report.outcome != "failed":
        return
    from contract_tests import liveness
    exc = call.excinfo.value
    if isinstance(exc, pytest.fail.Exception) and liveness.dead() is not None:   # the crash probe's own verdict
        item.session.shouldfail = "target died mid-run (see the first failure): the rest is not sent"
        return
    why = liveness.dead()
    if why is None and not isinstance(exc, liveness.TargetDied):
        try:
            liveness.check(exc, item.name)
        except liveness.TargetDied:
            why = liveness.dead()
    if why is None:
        return
    report.longrepr = why + f"\n\n(noticed by {item.nodeid}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]})"
    item.session.shouldfail = "target died mid-run (see the first failure): the rest is not sent"


def _family_served(item) -> bool:
    marker = item.get_closest_marker("family")
    if marker is None:
        return True
    from contract_tests.specdoc import target_versions, test_document
    versions = target_versions()
    if not versions:
        return False
    prefix = f"/{marker.args[0]}/{versions[-1]}/"
    return any(p.startswith(prefix) for p in test_document()["paths"])


def _inventory() -> dict:
    from contract_tests.conformance import divergence_table
    from contract_tests.specdoc import excluded_operations, operations, target_versions
    from contract_tests.target import get_target
    target = get_target()
    excluded = excluded_operations()
    return {"url": target.url, "kind": target.kind, "user": target.user, "release": target.release(),
            "versions": target_versions(), "destructive": target.destructive,
            "divergences": divergence_table().source, "key_known": target.key is not None,
            "operations": [{"operation": oid, "method": m.upper(), "path": p, "excluded": excluded.get(oid)}
                           for m, p, oid in operations()]}


@pytest.fixture(autouse=True)
def _contract_events(request):
    """Ship what this test recorded to the report plugin (through user_properties, xdist-safe)."""
    yield
    recorder.inventory_once(_inventory)
    events = recorder.drain()
    if events:
        request.node.user_properties.append((EVENTS_KEY, events))


def _scenario_versions(oldest=(0, 0, 40)) -> list[str]:
    from contract_tests.specdoc import target_versions
    return [v for v in target_versions() if tuple(int(x) for x in v[1:].split(".")) >= oldest]


def pytest_generate_tests(metafunc):
    """Scenarios run once per API version under test (v0.0.40 and later: older ones have other shapes);
    the differential run from v0.0.38 on (its bodies are reshaped per version, contract_tests/shape.py).
    A test with no version to run at is deselected, not skipped (a skip would hide a hole)."""
    if "version" in metafunc.fixturenames:
        oldest = (0, 0, 38) if metafunc.function.__name__ == "test_differential" else (0, 0, 40)
        versions = _scenario_versions(oldest)
        metafunc.parametrize("version", versions or [pytest.param(None, marks=pytest.mark.no_version)])


@pytest.fixture(scope="session")
def target():
    from contract_tests.target import get_target
    return get_target()


@pytest.fixture(scope="session")
def release(target) -> str:
    return target.release()


@pytest.fixture
def slurm(target, version, request):
    """A client for one API version; cancels what the test submitted."""
    from contract_tests.client import Slurm
    client = Slurm(target, version, test=request.node.name)
    yield client
    client.cleanup()


@pytest.fixture(scope="session", autouse=True)
def _cancel_generated_jobs():
    """On a real cluster, cancel the jobs that generated requests submitted (the mock is just stopped)."""
    yield
    from contract_tests.target import get_target
    target = get_target()
    if target.is_mock:
        return
    try:
        from contract_tests.conformance import SUBMITTED
    except ImportError:
        return
    import httpx
    for version, job_id in sorted(SUBMITTED):
        try:
            httpx.delete(f"{target.url}/slurm/{version}/job/{job_id}", headers=target.headers(), timeout=10)
        except httpx.HTTPError:
            pass


def pytest_sessionfinish(session, exitstatus):
    """Stop a mock this process started (and keep its log beside the report): xdist workers end without
    running atexit handlers."""
    from contract_tests.target import stop_target
    stop_target()
