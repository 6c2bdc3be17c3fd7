"""Every script in examples/ run as a user runs it (a subprocess with SLURMRESTD_URL and SLURM_JWT) against a
mock this module starts, checking what each prints against the mock's own state afterwards."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mockrestd.testing import start

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
V = "v0.0.44"
FLAVOURS = ("slurmrestapi", "httpx_plain")
LONG = {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


@pytest.fixture(scope="module")
def served():
    with start() as mock:          # socket mode: the scripts are other processes
        yield mock


@pytest.fixture
def mock(served):
    served.reset()
    return served


def run(mock, script: str, *args: str, timeout: int = 120) -> str:
    path = EXAMPLES / script
    cmd = ["bash", str(path)] if path.suffix == ".sh" else [sys.executable, str(path)]
    env = dict(os.environ, SLURMRESTD_URL=mock.url, SLURM_JWT=mock.token("alice", 3600))
    p = subprocess.run(cmd + list(args), env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert p.returncode == 0, f"{script} exited {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    assert "Traceback" not in p.stderr, p.stderr
    return p.stdout


def submit(mock, **fields) -> int:
    r = mock.client.post(f"/slurm/{V}/job/submit", json={"job": {**LONG, **fields}})
    assert r.status_code == 200, r.text
    return r.json()["job_id"]


def job(mock, job_id) -> dict:
    return mock.client.get(f"/slurm/{V}/job/{job_id}").json()["jobs"][0]


def one(pattern: str, text: str) -> re.Match:
    found = re.search(pattern, text, re.M)
    assert found, f"no line matching {pattern!r} in:\n{text}"
    return found


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_list_jobs(mock, flavour):
    ids = [submit(mock, name="first"), submit(mock, name="second", hold=True)]
    out = run(mock, f"{flavour}/list_jobs.py")
    for job_id, name in zip(ids, ("first", "second")):
        one(rf"^{job_id} {name} {','.join(job(mock, job_id)['job_state'])}$", out)
    one(r"^2 jobs$", out)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_running_tasks(mock, flavour):
    mock.freeze()
    submit(mock, tasks=3)
    submit(mock, tasks=2, hold=True)           # pending: not counted
    mock.advance(2)
    out = run(mock, f"{flavour}/running_tasks.py")
    one(r"^running tasks: 3$", out)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_submit(mock, flavour):
    out = run(mock, f"{flavour}/submit.py")
    job_id = int(one(r"^submitted job (\d+)$", out).group(1))
    one(r"^\['PENDING'\]$", out)
    record = job(mock, job_id)
    assert record["name"] == "example" and record["user_name"] == "alice"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_job_array(mock, flavour):
    mock.freeze()                              # the record stays as the script printed it
    out = run(mock, f"{flavour}/job_array.py")
    array_id = int(one(r"^submitted array (\d+)$", out).group(1))
    one(rf"^  {array_id}_\[1-100\] job_id={array_id} PENDING$", out)   # squeue's form of the pending rest
    assert job(mock, array_id)["array_task_string"] == "1-100"


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_hetjob(mock, flavour):
    mock.freeze()
    out = run(mock, f"{flavour}/hetjob.py")
    leader = int(one(r"^submitted hetjob (\d+)$", out).group(1))
    one(rf"^  {leader}\+0 job_id={leader} PENDING$", out)
    one(rf"^  {leader}\+1 job_id={leader + 1} PENDING$", out)
    assert job(mock, leader + 1)["het_job_id"]["number"] == leader


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("given", [False, True])
def test_cancel(mock, flavour, given):
    args = [str(submit(mock, name="mine"))] if given else []
    out = run(mock, f"{flavour}/cancel.py", *args)
    job_id = int(one(r"^job (\d+): CANCELLED", out).group(1))
    if given:
        assert str(job_id) == args[0]
    assert "CANCELLED" in job(mock, job_id)["job_state"]


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_signal_sigint(mock, flavour):
    out = run(mock, f"{flavour}/signal_sigint.py")
    job_id, state = one(r"^job (\d+) signalled with SIGINT: (\S+)$", out).groups()
    record = job(mock, job_id)
    # `sleep 300` without srun dies of SIGINT: the job fails with the signal (DESIGN, "DELETE ... signal=")
    assert state == "FAILED" and record["job_state"] == ["FAILED"], (state, record["job_state"])
    assert record["exit_code"]["signal"]["name"] == "INT"


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("given", [False, True])
def test_rename(mock, flavour, given):
    args = [str(submit(mock, name="old")), "my new name"] if given else []
    out = run(mock, f"{flavour}/rename.py", *args)
    name = "my new name" if given else "updated test job"
    job_id = one(rf"^job (\d+) is now named '{name}'$", out).group(1)
    assert "errors=[]" in out or "'errors': []" in out
    assert job(mock, job_id)["name"] == name


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("tasks", [None, 3])
def test_update_tasks(mock, flavour, tasks):
    out = run(mock, f"{flavour}/update_tasks.py", *([str(tasks)] if tasks else []))
    job_id = one(rf"^job (\d+) \(PENDING\): {tasks or 2} tasks$", out).group(1)
    record = job(mock, job_id)
    assert record["tasks"]["number"] == (tasks or 2)
    assert "CANCELLED" in record["job_state"]         # the example cleans up after itself


def _accounting_seed(mock):
    mock.freeze()
    done = submit(mock, name="hist", script="#!/bin/bash\nsleep 5")
    mock.advance(10)
    assert job(mock, done)["job_state"] == ["COMPLETED"]
    db = f"/slurmdb/{V}"
    accounts = sorted(a["name"] for a in mock.client.get(f"{db}/accounts/").json()["accounts"])
    qos = sorted(q["name"] for q in mock.client.get(f"{db}/qos/").json()["qos"])
    users = sorted({a["user"] for a in mock.client.get(f"{db}/associations/").json()["associations"]} - {""})
    assert accounts and qos and users
    return done, accounts, qos, users


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_accounting(mock, flavour):
    done, accounts, qos, users = _accounting_seed(mock)
    out = run(mock, f"{flavour}/accounting.py")
    assert sorted(re.findall(r"^account (\S+): ", out, re.M)) == accounts
    assert sorted(re.findall(r"^qos (\S+): priority \d+$", out, re.M)) == qos
    assert sorted({u for u in re.findall(r"^association mock/\S+?/(\S+) ", out, re.M)} - {"-"}) == users
    one(r"^association mock/physics/alice partition=-$", out)
    one(rf"^history {done} hist alice COMPLETED exit=0$", out)


def test_curl_accounting(mock):
    done, accounts, qos, users = _accounting_seed(mock)
    out = run(mock, "curl/accounting.sh")
    assert one(r"^accounts: (.*)$", out).group(1).split() == accounts
    assert one(r"^qos: (.*)$", out).group(1).split() == qos
    assert one(r"^association users: (.*)$", out).group(1).split() == users
    one(r"^job history \(sacct\): 1 jobs$", out)
    one(rf'^\{{"jobs":\[\{{"account":"{job(mock, done)["account"]}",', out)     # alice's job, her account


def test_curl_training(mock):
    out = run(mock, "curl/training.sh", timeout=180)
    assert re.findall(r"^== (.*)$", out, re.M) == [
        "get jobs", "submit a job", "job array", "hetjob", "cancel a job", "signal a running job with SIGINT",
        "rename a job", "change the tasks of a pending (held) job", "done"]
    submitted = int(one(r'^submitted job (\d+): "PENDING"$', out).group(1))
    assert job(mock, submitted)["name"] == "example"
    array_id = int(one(r'^submitted array (\d+): "array_task_string":"1-100"$', out).group(1))
    tasks = mock.client.get(f"/slurm/{V}/jobs/state/", params={"job_id": array_id}).json()["jobs"]
    assert len(tasks) == 100 and all(re.fullmatch(r"\d+_\d+", t["job_id"]) for t in tasks)
    assert re.findall(r'"het_job_offset":\{[^}]*"number":(\d)\}', one(r"^submitted hetjob .*$", out).group(0)) \
        == ["0", "1"]
    cancelled = one(r'^job (\d+): "CANCELLED"$', out).group(1)
    assert "CANCELLED" in job(mock, cancelled)["job_state"]
    signalled = one(r'^job (\d+) signalled: "FAILED"$', out).group(1)
    assert job(mock, signalled)["exit_code"]["signal"]["name"] == "INT"
    renamed = one(r'^job (\d+): "name":"updated test job"$', out).group(1)
    assert job(mock, renamed)["name"] == "updated test job"
    held = one(r'^job (\d+): "tasks":\{"set":true,"infinite":false,"number":2\}$', out).group(1)
    assert job(mock, held)["tasks"]["number"] == 2


@pytest.mark.parametrize("mode", ["socket", "inprocess"])
def test_pytest_example(mode, tmp_path):
    """examples/pytest as a user runs it: plain `pytest`, the plugin found through its entry point."""
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--mockrestd-mode={mode}",
                        f"--rootdir={tmp_path}", "-c", os.devnull, str(EXAMPLES / "pytest")],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert re.search(r"^3 passed", p.stdout, re.M), p.stdout[-2000:]
