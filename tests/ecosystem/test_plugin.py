"""The pytest plugin as a user meets it: a project folder of their own, `pytest` run as a subprocess (the
plugin found through its pytest11 entry point), its options on the command line and as ini keys, both modes,
clean shutdown, and two pytest-xdist workers with a mock each."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from mockrestd.testing import start

TINY_CLUSTER = """
[cluster]
name = "tiny"

[[nodes]]
names = "tiny[1-2]"
cpus = 4
real_memory = 8000

[[partitions]]
name = "small"
nodes = "tiny[1-2]"
default = true
"""

# the user's test: records what the fixture gave into $OUT/<worker>.json, and checks it works
PROBE = r'''
import json, os, pathlib

def test_probe(slurmrestd_clean):
    mock = slurmrestd_clean
    status = mock.status()
    served = [v for v in ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")
              if mock.client.get(f"/slurm/{v}/ping/").status_code == 200]
    v = served[-1]
    job = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}
    job_id = mock.client.post(f"/slurm/{v}/job/submit", json={"job": job}).json()["job_id"]
    jobs = mock.client.get(f"/slurm/{v}/jobs/").json()["jobs"]
    nodes = sorted(n["name"] for n in mock.client.get(f"/slurm/{v}/nodes/").json()["nodes"])
    meta = mock.client.get(f"/slurm/{v}/ping/").json()["meta"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    out = pathlib.Path(os.environ["PROBE_OUT"]) / f"{worker}-{os.getpid()}-{job_id}.json"
    out.write_text(json.dumps({"worker": worker, "pid": os.getpid(), "url": mock.url, "mode": mock.mode,
        "port": getattr(mock, "port", None), "key": str(mock.key_file), "speed": mock.clock()["speed"],
        "served": served, "release": meta["slurm"]["release"], "cluster": meta["slurm"]["cluster"],
        "nodes": nodes, "job_id": job_id, "jobs": [j["job_id"] for j in jobs], "ready_in": mock.ready_in,
        "status": sorted(status)}))
'''


def user_project(tmp_path: Path, n_tests: int = 1, ini: dict | None = None) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for i in range(n_tests):
        (project / f"test_probe_{i}.py").write_text(PROBE)
    (project / "tiny.toml").write_text(TINY_CLUSTER)
    (project / "pytest.ini").write_text("[pytest]\n" + "".join(f"{k} = {v}\n" for k, v in (ini or {}).items()))
    (tmp_path / "out").mkdir()
    return project


def run_pytest(project: Path, *args: str, timeout: int = 300) -> list[dict]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PROBE_OUT"] = str(project.parent / "out")
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=project,
                       env=env, capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    return [json.loads(f.read_text()) for f in sorted((project.parent / "out").iterdir())]


def test_command_line_options(tmp_path):
    project = user_project(tmp_path)
    (probe,) = run_pytest(project, "--mockrestd-cluster=tiny.toml", "--mockrestd-speed=7",
                          "--mockrestd-versions=v0.0.42,v0.0.43", "--mockrestd-profile=25.11")
    assert probe["cluster"] == "tiny" and probe["nodes"] == ["tiny1", "tiny2"], probe
    assert probe["speed"] == 7
    assert probe["served"] == ["v0.0.42", "v0.0.43"], probe["served"]
    assert probe["release"].startswith("25.11."), probe["release"]
    assert probe["mode"] == "socket"


def test_ini_keys_and_the_command_line_wins(tmp_path):
    project = user_project(tmp_path, ini={"mockrestd_cluster": "tiny.toml", "mockrestd_speed": "3",
                                          "mockrestd_versions": "v0.0.45", "mockrestd_profile": "26.05",
                                          "mockrestd_mode": "inprocess"})
    (probe,) = run_pytest(project, "--mockrestd-speed=5")
    assert probe["cluster"] == "tiny" and probe["nodes"] == ["tiny1", "tiny2"], probe
    assert probe["speed"] == 5                                       # the command line over the ini
    assert probe["served"] == ["v0.0.45"] and probe["release"].startswith("26.05."), probe
    assert probe["mode"] == "inprocess" and probe["port"] is None


def test_a_bad_option_is_a_clear_error(tmp_path):
    project = user_project(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--mockrestd-mode=docker"],
                       cwd=project, env=dict(env, PROBE_OUT=str(tmp_path / "out")), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode != 0 and "mode must be 'socket' or 'inprocess'" in p.stdout + p.stderr, p.stdout[-3000:]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_socket_mode_is_reachable_by_any_client_and_gone_after_the_session(tmp_path):
    project = user_project(tmp_path)
    (probe,) = run_pytest(project)
    assert probe["mode"] == "socket" and probe["url"] == f"http://127.0.0.1:{probe['port']}"
    assert not _listening(probe["port"]), "the port still answers after the session ended"
    assert not Path(probe["key"]).exists(), "the session's key file was left behind"


def _mock_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("mockrestd:")]


@pytest.mark.parametrize("mode", ["socket", "inprocess"])
def test_start_and_close_leave_nothing_behind(mode):
    before = _mock_threads()
    with start(mode) as mock:
        assert _mock_threads() != before
        r = mock.client.get("/slurm/v0.0.44/ping/")
        assert r.status_code == 200 and r.json()["pings"][0]["pinged"] == "UP"
        if mode == "socket":       # another client, not the fixture's: a real socket
            assert httpx.get(mock.url + "/slurm/v0.0.44/ping/", headers={"X-SLURM-USER-TOKEN": mock.token()},
                             timeout=30).status_code == 200
        else:                      # no socket: the URL resolves nowhere outside the mock's transport
            assert not hasattr(mock, "port")
            with pytest.raises(httpx.HTTPError):
                httpx.get(mock.url + "/slurm/v0.0.44/ping/", timeout=5)
            assert mock.slurm.slurm_v0044_get_ping().pings[0].pinged == "UP"    # slurmrestapi through it
        key, port = mock.key_file, getattr(mock, "port", None)
        print(f"\nfixture ready ({mode}): {mock.ready_in * 1000:.0f} ms")
    assert _mock_threads() == before, "a server thread outlived close()"
    assert not key.exists()
    if port:
        assert not _listening(port)


def test_two_xdist_workers_have_a_mock_each(tmp_path):
    project = user_project(tmp_path, n_tests=6)
    probes = run_pytest(project, "-n", "2")
    workers = {p["worker"] for p in probes}
    assert workers == {"gw0", "gw1"}, workers
    by_worker = {w: [p for p in probes if p["worker"] == w] for w in workers}
    ports = {w: {p["port"] for p in ps} for w, ps in by_worker.items()}
    keys = {w: {p["key"] for p in ps} for w, ps in by_worker.items()}
    assert all(len(v) == 1 for v in ports.values()) and ports["gw0"] != ports["gw1"], ports   # one mock each
    assert all(len(v) == 1 for v in keys.values()) and keys["gw0"] != keys["gw1"], keys
    for p in probes:          # own state: reset before each test, and no job of the other worker in sight
        assert p["jobs"] == [p["job_id"]], p
    for port in (p["port"] for p in probes):
        assert not _listening(port)


def test_fixture_ready_time(capsys):
    """The figure for the note (no timed assertion): start() to the first answered request, each mode."""
    times = {}
    for mode in ("socket", "inprocess", "socket", "inprocess"):
        with start(mode) as mock:
            times.setdefault(mode, []).append(mock.ready_in)
            assert mock.status()
    line = ", ".join(f"{m} {min(t) * 1000:.0f} ms (of {', '.join(f'{x * 1000:.0f}' for x in t)})"
                     for m, t in times.items())
    with capsys.disabled():
        print(f"\nmockrestd fixture ready: {line}")
    assert set(times) == {"socket", "inprocess"}
