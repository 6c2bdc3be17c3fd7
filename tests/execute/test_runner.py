"""The executor alone (no scheduler, no HTTP): real processes, as slurmstepd would run them."""

from __future__ import annotations

import os
import threading
import time

import pytest

from mockrestd.engine.executor import Component, Executor, Launch, batch_environment
from mockrestd.engine.executor import procs
from mockrestd.engine.executor.environment import BASE

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="execute mode tracks processes via /proc")


class Ended:
    def __init__(self):
        self.runs, self.event = [], threading.Event()

    def __call__(self, run):
        self.runs.append(run)
        self.event.set()

    def wait(self, timeout=10):
        assert self.event.wait(timeout), "the job did not end"
        return self.runs[-1]


@pytest.fixture
def ex(tmp_path):
    ended = Ended()
    executor = Executor(tmp_path / "spool", kill_wait=1, on_exit=ended, sample_interval=0.2)
    executor.ended = ended
    yield executor
    executor.shutdown()


def launch(tmp_path, script, **kw):
    values = dict(job_id=7, name="t", user="alice", uid=1000, gid=1000, account="physics", partition="debug",
                  qos="normal", cluster="mock", nodes=["node1"], cpus=[1], start_time=int(time.time()),
                  time_limit=30, script=script, work_dir=str(tmp_path), environment=["PATH=/usr/bin:/bin"])
    values.update(kw)
    return Launch(**values)


def test_environment_is_the_measured_set():
    env = batch_environment(launch_stub())
    slurm = sorted(k for k in env if k.startswith("SLURM"))
    assert slurm == sorted(set(BASE) - {"SLURM_TASK_PID"})        # the pid is the script's own, set at exec
    assert env["PATH"] == "/bin" and env["ENVIRONMENT"] == "BATCH"
    assert "SLURM_SUBMIT_DIR" not in env and "SLURM_SUBMIT_HOST" not in env


def launch_stub(**kw):
    values = dict(job_id=12, name="j", user="alice", uid=1000, gid=1000, account="a", partition="debug",
                  qos="normal", cluster="mock", nodes=["node1", "node2"], cpus=[8, 8], start_time=100,
                  time_limit=2, script="", work_dir="/tmp", environment=["PATH=/bin"])
    values.update(kw)
    return Launch(**values)


def test_environment_of_tasks_arrays_and_hetjobs():
    env = batch_environment(launch_stub())
    assert env["SLURM_JOB_CPUS_PER_NODE"] == "8(x2)" and env["SLURM_TASKS_PER_NODE"] == "8(x2)"
    assert env["SLURM_JOB_NODELIST"] == "node[1-2]" and env["SLURM_JOB_END_TIME"] == "220"
    env = batch_environment(launch_stub(tasks=3, cpus_per_task=2, mem_per_cpu=100, restart_count=1))
    assert (env["SLURM_NTASKS"], env["SLURM_NPROCS"], env["SLURM_CPUS_PER_TASK"]) == ("3", "3", "2")
    assert env["SLURM_TASKS_PER_NODE"] == "2,1" and env["SLURM_MEM_PER_CPU"] == "100"
    assert env["SLURM_RESTART_COUNT"] == "1"
    env = batch_environment(launch_stub(array_job_id=10, array_task_id=2, array_tasks=[0, 2, 4], array_step=2))
    assert {k: env[k] for k in env if k.startswith("SLURM_ARRAY")} == {
        "SLURM_ARRAY_JOB_ID": "10", "SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3",
        "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "4", "SLURM_ARRAY_TASK_STEP": "2"}
    het = [Component(12, "a", "acct", "debug", "normal", ["node1"], [2]),
           Component(13, "b", "acct", "gpu", "high", ["gpu1"], [4], tasks=2, cpus_per_task=2)]
    env = batch_environment(launch_stub(het=het))
    assert env["SLURM_HET_SIZE"] == env["SLURM_PACK_SIZE"] == "2"
    assert env["SLURM_JOB_ID_HET_GROUP_1"] == env["SLURM_JOB_ID_PACK_GROUP_1"] == "13"
    assert env["SLURM_JOB_PARTITION_HET_GROUP_1"] == "gpu" and env["SLURM_TASKS_PER_NODE_HET_GROUP_1"] == "2"


def test_script_runs_with_its_environment_and_exit_code(ex, tmp_path):
    run = ex.start(launch(tmp_path, "#!/bin/bash\necho pid=$SLURM_TASK_PID pp=$$ cwd=$PWD\nexit 3\n"))
    ended = ex.ended.wait()
    assert ended is run and run.exit_code == 3 and run.signal is None
    text = (tmp_path / "slurm-7.out").read_text()
    assert f"pid={run.pid} pp={run.pid} cwd={tmp_path}" in text


def test_cpu_time_and_peak_memory_are_measured(ex, tmp_path):
    ex.sample_interval = 0.2
    script = ("#!/bin/bash\nsrun python3 -c 'b = bytearray(80 << 20); import time; t = time.time()\n"
              "while time.time() - t < 0.8: pass'\n")
    ex.start(launch(tmp_path, script))
    run = ex.ended.wait()
    assert run.exit_code == 0, (tmp_path / "slurm-7.out").read_text()
    step = ex.steps(7)[0]
    assert step["max_rss_kb"] >= 80 * 1024 and step["user_cpu"] + step["sys_cpu"] >= 0.1
    assert run.usage.max_rss_kb >= 80 * 1024 and run.usage.user_cpu + run.usage.sys_cpu >= step["user_cpu"]


def test_srun_steps_and_their_exit_codes(ex, tmp_path):
    ex.start(launch(tmp_path, "#!/bin/bash\nsrun -n 2 bash -c 'echo rank=$SLURM_PROCID step=$SLURM_STEP_ID'\n"
                              "srun bash -c 'exit 4'\ntrue\n", cpus=[2]))
    run = ex.ended.wait()
    assert run.exit_code == 0
    out = (tmp_path / "slurm-7.out").read_text()
    assert "rank=0 step=0" in out and "rank=1 step=0" in out
    assert "srun: error: node1: task 0: Exited with exit code 4" in out
    steps = ex.steps(7)
    assert [(s["step_id"], s["state"], s["exit_code"], s["tasks"]) for s in steps] == [
        (0, "COMPLETED", 0, 2), (1, "FAILED", 4, 1)]
    assert all(s["end"] >= s["start"] for s in steps)


def test_missing_output_directory_is_created_unwritable_one_fails(ex, tmp_path):
    ex.start(launch(tmp_path / "new" / "dir", "#!/bin/sh\npwd\n"))
    run = ex.ended.wait()
    assert run.exit_code == 0 and (tmp_path / "new" / "dir" / "slurm-7.out").read_text().strip() == \
        str(tmp_path / "new" / "dir")
    blocker = tmp_path / "a-file"            # a directory that cannot be made, even by root
    blocker.write_text("")
    ex.ended.event.clear()
    run = ex.start(launch(blocker / "sub", "#!/bin/sh\ntouch /tmp/never\n"))
    ended = ex.ended.wait()
    assert ended is run and run.pid is None and run.exit_code == 1 and "Could not open stdout file" in run.message


def test_exec_failures_are_slurmstepd_exit_codes(ex, tmp_path):
    ex.start(launch(tmp_path, "#!/no/such/shell\necho hi\n"))
    assert ex.ended.wait().exit_code == 2
    assert "execve(): bad interpreter(/no/such/shell): No such file or directory" in \
        (tmp_path / "slurm-7.out").read_text()
    ex.ended.event.clear()
    ex.start(launch(tmp_path, "echo no shebang\n", job_id=8))
    assert ex.ended.wait().exit_code == 8


def test_terminate_kills_the_whole_tree_after_kill_wait(ex, tmp_path):
    script = "#!/bin/bash\ntrap '' TERM\n(trap '' TERM; sleep 60) &\nsrun sleep 60 &\nsleep 60\n"
    run = ex.start(launch(tmp_path, script))
    deadline = time.time() + 5
    while len(procs.alive(run.pid)) < 4 and time.time() < deadline:
        time.sleep(0.05)
    assert len(procs.alive(run.pid)) >= 4
    started = time.time()
    ex.terminate(7)
    ended = ex.ended.wait()
    assert ended.signal == 9 and time.time() - started >= 0.9       # it ignored TERM: KILL after KillWait
    assert procs.alive(run.pid) == []


def test_signal_scopes(ex, tmp_path):
    script = "#!/bin/bash\ntrap 'echo shell got USR1' USR1\nsrun bash -c \"trap 'echo step got USR1' USR1; " \
             "sleep 2 & wait\"\nsleep 0.3\n"
    ex.start(launch(tmp_path, script))
    deadline = time.time() + 5
    while not (ex.steps(7) and ex.steps(7)[0]["pgids"]) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert ex.signal(7, 10, "steps")
    ex.ended.wait()
    out = (tmp_path / "slurm-7.out").read_text()
    assert "step got USR1" in out and "shell got USR1" not in out
