"""Execute mode through HTTP: real batch scripts on the real-time clock, one `serve --execute` per module.

The time-limit job (1 minute, KillWait 1 s in the cluster file) is submitted first and checked last, so its
minute passes while the other tests run."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from mockrestd.engine.executor import procs
from mockrestd.engine.executor.environment import BASE
from tests.conftest import SHARED

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="execute mode tracks processes via /proc")

SEED = SHARED / "acceptance" / "seed_examples.py"


def number(value):
    """A v0.0.41+ no-val struct or a plain number, as a number."""
    return value.get("number") if isinstance(value, dict) else value


def read_env(path) -> dict:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, f"{what} not met after {timeout} s"
        time.sleep(0.05)


@pytest.fixture(scope="module")
def timeout_job(server):
    cwd = server.tmp / "timeout"
    cwd.mkdir()
    script = "#!/bin/bash\necho $$ > pid\ntrap 'echo got TERM' TERM\nwhile true; do sleep 0.2; done\n"
    return server.submit(script, cwd, time_limit=1, name="limit", partition="side"), cwd, time.time()


@pytest.fixture(autouse=True)
def _submit_the_long_one_first(timeout_job):
    return timeout_job


def test_environment_reads_back_from_the_output_file(server, tmp_path):
    job_id = server.submit("#!/bin/bash\nenv\n", tmp_path, name="envdump")
    job = server.wait(job_id)
    assert job["job_state"] == ["COMPLETED"]
    out = tmp_path / f"slurm-{job_id}.out"
    assert job["stdout_expanded"] == str(out)
    env = read_env(out)
    assert sorted(k for k in env if k.startswith("SLURM")) == sorted(BASE)      # exactly what 25.11.7 sets
    start = number(job["start_time"])
    assert {k: env[k] for k in ("SLURM_JOB_ID", "SLURM_JOBID", "SLURM_JOB_NAME", "SLURM_JOB_PARTITION",
                                "SLURM_JOB_USER", "SLURM_JOB_ACCOUNT", "SLURM_CLUSTER_NAME", "SLURM_JOB_NODELIST",
                                "SLURM_JOB_NUM_NODES", "SLURM_CPUS_ON_NODE", "SLURM_JOB_START_TIME",
                                "SLURM_JOB_END_TIME", "SLURM_PROCID", "SLURMD_NODENAME")} == {
        "SLURM_JOB_ID": str(job_id), "SLURM_JOBID": str(job_id), "SLURM_JOB_NAME": "envdump",
        "SLURM_JOB_PARTITION": "work", "SLURM_JOB_USER": "alice", "SLURM_JOB_ACCOUNT": job["account"],
        "SLURM_CLUSTER_NAME": "exec", "SLURM_JOB_NODELIST": job["nodes"], "SLURM_JOB_NUM_NODES": "1",
        "SLURM_CPUS_ON_NODE": str(number(job["cpus"])), "SLURM_JOB_START_TIME": str(start),
        "SLURM_JOB_END_TIME": str(start + 365 * 86400), "SLURM_PROCID": "0", "SLURMD_NODENAME": job["nodes"]}
    assert env["SLURM_JOB_UID"] == str(job["user_id"]) and env["PATH"].endswith(":/usr/bin:/bin")
    assert "SLURM_SUBMIT_DIR" not in env and "SLURM_SUBMIT_HOST" not in env


def test_tasks_and_cpus_add_their_variables(server, tmp_path):
    job_id = server.submit("#!/bin/bash\nenv\n", tmp_path, tasks=2, cpus_per_task=3, time_limit=5)
    server.wait(job_id)
    env = read_env(tmp_path / f"slurm-{job_id}.out")
    assert (env["SLURM_NTASKS"], env["SLURM_NPROCS"], env["SLURM_CPUS_PER_TASK"]) == ("2", "2", "3")
    assert env["SLURM_TASKS_PER_NODE"] == "2" and env["SLURM_JOB_CPUS_PER_NODE"] == "6"
    assert int(env["SLURM_JOB_END_TIME"]) - int(env["SLURM_JOB_START_TIME"]) == 300


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.41"])
@pytest.mark.parametrize("script, code", [("exit 3", 3), ("set -e\nfalse\necho never", 1)])
def test_exit_status_decides_the_state(server, tmp_path, version, script, code):
    job_id = server.submit(f"#!/bin/bash\n{script}\n", tmp_path, version=version)
    job = server.wait(job_id, version=version)
    assert job["job_state"] == ["FAILED"] and job["state_reason"] == "NonZeroExitCode"
    assert number(job["exit_code"]["return_code"]) == code and job["exit_code"]["status"] == ["ERROR"]
    assert "never" not in (tmp_path / f"slurm-{job_id}.out").read_text()


def test_a_script_killed_by_a_signal(server, tmp_path):
    job = server.wait(server.submit("#!/bin/bash\nkill -KILL $$\n", tmp_path))
    assert job["job_state"] == ["FAILED"] and job["state_reason"] == "RaisedSignal"
    assert job["exit_code"]["status"] == ["SIGNALED"] and number(job["exit_code"]["signal"]["id"]) == 9


def test_cancel_leaves_no_process_of_the_tree(server, tmp_path):
    script = "#!/bin/bash\necho $$ > pid\n(trap '' TERM; sleep 300) &\nsrun sleep 300 &\nsleep 300\n"
    job_id = server.submit(script, tmp_path)
    wait_for(lambda: (tmp_path / "pid").exists() and (tmp_path / "pid").read_text().strip(), what="script start")
    sid = int((tmp_path / "pid").read_text())
    wait_for(lambda: any(s["step"]["id"] == f"{job_id}.0" for s in server.db_job(job_id)[0]["steps"]),
             what="the srun step to be up")
    assert len(procs.alive(sid)) >= 5        # bash, the subshell and its sleep, srun and its task
    r = __import__("httpx").delete(f"{server.url}/slurm/v0.0.44/job/{job_id}", headers=server.headers)
    assert r.status_code == 200, r.text
    assert "CANCELLED" in server.job(job_id)["job_state"]
    wait_for(lambda: procs.alive(sid) == [], timeout=5, what="every process gone (TERM, then KILL after KillWait)")
    steps = {s["step"]["id"]: s["state"] for s in server.db_job(job_id)[0]["steps"]}
    assert steps[f"{job_id}.batch"] == ["CANCELLED"] and steps[f"{job_id}.0"] == ["CANCELLED"]


def test_array_tasks_write_their_own_files(server, tmp_path):
    script = "#!/bin/bash\necho task=$SLURM_ARRAY_TASK_ID of=$SLURM_ARRAY_JOB_ID count=$SLURM_ARRAY_TASK_COUNT\n"
    array_id = server.submit(script, tmp_path, array="0-3", standard_output="out_%A_%a")
    wait_for(lambda: len(list(tmp_path.glob("out_*"))) == 4 and all(p.read_text() for p in tmp_path.glob("out_*")),
             what="four output files")
    for task in range(4):
        assert (tmp_path / f"out_{array_id}_{task}").read_text() == f"task={task} of={array_id} count=4\n"
    assert not list(tmp_path.glob("slurm-*"))


def test_two_srun_lines_are_two_steps_with_their_exit_codes(server, tmp_path):
    job_id = server.submit("#!/bin/bash\nsrun echo hello\nsrun -n 1 bash -c 'exit 5'\nexit 0\n", tmp_path,
                           tasks=2, standard_error="err-%j")
    job = server.wait(job_id)
    assert job["job_state"] == ["COMPLETED"] and job["stderr_expanded"] == str(tmp_path / f"err-{job_id}")
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "hello\nhello\n"
    assert f"srun: error: {job['nodes']}: task 0: Exited with exit code 5" in (tmp_path / f"err-{job_id}").read_text()
    [record] = server.db_job(job_id)
    steps = {s["step"]["id"]: s for s in record["steps"]}
    assert sorted(steps) == [f"{job_id}.0", f"{job_id}.1", f"{job_id}.batch"]
    assert steps[f"{job_id}.0"]["state"] == ["COMPLETED"] and steps[f"{job_id}.0"]["tasks"]["count"] == 2
    assert steps[f"{job_id}.1"]["state"] == ["FAILED"] and number(steps[f"{job_id}.1"]["exit_code"]["return_code"]) == 5
    assert steps[f"{job_id}.0"]["step"]["name"] == "echo"
    for step in steps.values():
        assert number(step["time"]["start"]) and number(step["time"]["end"]) >= number(step["time"]["start"])
        assert [t["type"] for t in step["tres"]["requested"]["total"]] == ["cpu", "mem"]


def test_thirty_short_jobs_never_run_more_than_the_four_cpus(server, tmp_path):
    script = "#!/bin/bash\necho $(date +%s.%N) > $SLURM_JOB_ID.start\nsleep 0.5\necho $(date +%s.%N) > $SLURM_JOB_ID.end\n"
    # a gate job holds them until all are queued, so the queue is full when the four CPUs free up
    gate = server.submit("#!/bin/bash\nwhile [ ! -e go ]; do sleep 0.05; done\n", tmp_path, partition="side")
    ids = [server.submit(script, tmp_path, partition="four", dependency=f"afterok:{gate}") for _ in range(30)]
    (tmp_path / "go").write_text("")
    seen_running = 0
    deadline = time.time() + 60
    while True:
        states = [j["job_state"] for j in server.get("/slurm/v0.0.44/jobs/").json()["jobs"] if j["job_id"] in ids]
        seen_running = max(seen_running, sum("RUNNING" in s for s in states))
        if all(s == ["COMPLETED"] for s in states):
            break
        assert time.time() < deadline, states
        time.sleep(0.1)
    spans = [(float((tmp_path / f"{i}.start").read_text()), float((tmp_path / f"{i}.end").read_text())) for i in ids]
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda x: (x[0], x[1]))
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert seen_running == 4              # the scheduler fills the four CPUs ...
    assert 3 <= peak <= 4                 # ... and the processes never outnumber them


def test_signal_reaches_the_steps_or_the_batch_shell(server, tmp_path):
    import httpx
    script = ("#!/bin/bash\ntrap 'echo shell USR1' USR1\n"
              "srun bash -c \"trap 'echo step USR1' USR1; echo up > up; while true; do sleep 0.1; done\" &\n"
              "while kill -0 $! 2>/dev/null; do sleep 0.1; done\n")
    job_id = server.submit(script, tmp_path)
    wait_for(lambda: (tmp_path / "up").exists(), what="the step to be up")
    r = httpx.delete(f"{server.url}/slurm/v0.0.44/job/{job_id}?signal=USR1", headers=server.headers)
    assert r.status_code == 200, r.text
    wait_for(lambda: "step USR1" in (tmp_path / f"slurm-{job_id}.out").read_text(), what="the step's trap")
    assert "shell USR1" not in (tmp_path / f"slurm-{job_id}.out").read_text()
    r = httpx.delete(f"{server.url}/slurm/v0.0.44/job/{job_id}?signal=USR1&flags=BATCH_JOB", headers=server.headers)
    assert r.status_code == 200, r.text
    wait_for(lambda: "shell USR1" in (tmp_path / f"slurm-{job_id}.out").read_text(), what="the shell's trap")
    assert "RUNNING" in server.job(job_id)["job_state"]
    httpx.delete(f"{server.url}/slurm/v0.0.44/job/{job_id}", headers=server.headers)


def test_node_failure_requeues_or_fails_and_kills(server, tmp_path):
    import httpx
    script = "#!/bin/bash\necho run=${SLURM_RESTART_COUNT:-0} node=$SLURMD_NODENAME pid=$$ >> runs\nsleep 300\n"
    again = server.submit(script, tmp_path / "again")
    wait_for(lambda: (tmp_path / "again" / "runs").exists(), what="the first run")
    first = (tmp_path / "again" / "runs").read_text().split()
    node, sid = first[1].split("=")[1], int(first[2].split("=")[1])
    once = server.submit(script, tmp_path / "once", requeue=False, required_nodes=[node])
    wait_for(lambda: (tmp_path / "once" / "runs").exists(), what="the second job")
    sid2 = int((tmp_path / "once" / "runs").read_text().split("pid=")[1])
    r = server.control("POST", "/faults", json={"kind": "node_fail", "node": node})
    assert r.status_code == 200 and sorted(r.json()["jobs"]) == sorted([again, once]), r.text
    job = server.job(once)
    assert job["job_state"][0] == "NODE_FAIL" and job["state_reason"] == "NodeDown"
    wait_for(lambda: procs.alive(sid) == [] and procs.alive(sid2) == [], timeout=3, what="both killed")
    # the requeued one starts again (requeue_delay 1 s) on the other node, with SLURM_RESTART_COUNT=1
    wait_for(lambda: len((tmp_path / "again" / "runs").read_text().splitlines()) == 2, timeout=10,
             what="the second run")
    second = (tmp_path / "again" / "runs").read_text().splitlines()[1].split()
    assert second[0] == "run=1" and second[1] != f"node={node}"
    runs = server.db_job(again)
    assert [r["state"]["current"] for r in runs] == [["NODE_FAIL"], ["RUNNING"]]
    assert server.job(again)["restart_cnt"] == 1
    httpx.delete(f"{server.url}/slurm/v0.0.44/job/{again}", headers=server.headers)
    root = {"X-SLURM-USER-TOKEN": server.served.token("root")}
    r = httpx.post(f"{server.url}/slurm/v0.0.44/node/{node}", headers=root, json={"state": ["RESUME"]})
    assert r.status_code == 200, r.text


def test_working_directory_missing_or_impossible(server, tmp_path):
    made = tmp_path / "not" / "yet"
    job = server.wait(server.submit("#!/bin/bash\npwd\n", made))
    assert job["job_state"] == ["COMPLETED"] and (made / f"slurm-{job['job_id']}.out").read_text() == f"{made}\n"
    blocker = tmp_path / "file"
    blocker.write_text("")
    job = server.wait(server.submit("#!/bin/bash\ntouch /tmp/should-not-run\n", blocker / "sub"))
    assert job["job_state"] == ["FAILED"] and number(job["exit_code"]["return_code"]) == 1


def test_the_clock_cannot_be_bent(server):
    for body in ({"freeze": True}, {"advance": 30}, {"speed": 10}, {"set": 0}):
        r = server.control("POST", "/clock", json=body)
        assert r.status_code == 409 and "real time" in r.json()["error"], (body, r.text)
    assert server.control("GET", "/status").json()["execute"] is True


def test_training_examples_run_and_srun_uptime_lands_in_the_output(server, tmp_path):
    assert SEED.is_file()
    env = dict(os.environ, BAR_CWD=str(tmp_path))
    proc = subprocess.run([sys.executable, str(SEED), server.url, server.served.token("alice")], capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "9/9 seed steps ok" in proc.stdout
    singles = [p for p in tmp_path.glob("slurm-*.out") if "_" not in p.name]
    wait_for(lambda: any("load average" in p.read_text() for p in singles), what="uptime's output")
    # the training also cancels and signals jobs that run `srun uptime`: one that ran to its end is enough
    finished = []
    for out in (p for p in singles if "load average" in p.read_text()):
        job = server.wait(int(out.stem.split("-")[1]))
        assert job["stdout_expanded"] == str(out)
        finished.append(job["job_state"])
    assert ["COMPLETED"] in finished, finished


def test_time_limit_ends_in_timeout_and_kills_after_kill_wait(server, timeout_job):
    job_id, cwd, submitted = timeout_job
    job = server.wait(job_id, states=("TIMEOUT",), timeout=max(5.0, submitted + 75 - time.time()))
    assert job["state_reason"] == "TimeLimit"
    assert number(job["end_time"]) - number(job["start_time"]) in (60, 61)
    sid = int((cwd / "pid").read_text())
    wait_for(lambda: procs.alive(sid) == [], timeout=3, what="the process gone after KillWait")
    assert "got TERM" in (cwd / f"slurm-{job_id}.out").read_text()       # TERM first, it survived, then KILL
