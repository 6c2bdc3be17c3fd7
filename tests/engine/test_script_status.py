"""The exit status the simulated runtime reads from a job script is the one bash gives (issue #7 §5).

Each script is also run by a real bash, so the expectation is bash's own answer, not a hard-coded one."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mockrestd.engine.runtime import plan_for

# the forms job-submission toolkits emit (no sleeps: bash runs them at once)
SCRIPTS = [
    "echo bad; exit 3",
    "echo ok\nexit 4",
    "set -e\nfalse\necho after\nexit 0",
    "set -e\necho start\nfalse\n",
    "set -eo pipefail\necho hi\nfalse | cat\nexit 0",
    "set -euo pipefail\ntrue | false | cat\necho never",
    "set -o pipefail\nfalse | cat",
    "set -o errexit\nfalse\nexit 0",
    "false | cat",
    "true | false",
    "set -e\nfalse && echo x\necho y",
    "set -e\nfalse || echo recovered\n",
    "set -e\ntrue && false\necho not reached",
    "false || exit 4",
    "true || exit 4",
    "true && exit 5",
    "false; exit",
    "echo 'a; exit 9'",
    "echo \"x && false\"",
    "false # a comment; exit 0",
    "set -e\nset +e\nfalse\necho still here",
    "X=1 false",
    ":",
    "false\n\n",
    "exit 300",
]


@pytest.mark.parametrize("body", SCRIPTS)
def test_exit_status_is_bash_s(body):
    bash = shutil.which("bash")
    assert bash, "bash is needed to check the exit status against"
    script = "#!/bin/bash\n" + body
    real = subprocess.run([bash, "-c", body], capture_output=True, timeout=10).returncode
    assert plan_for(script, {}).exit_code == real, (body, real)


def test_shebang_dash_e_is_errexit():
    assert plan_for("#!/bin/bash -e\nfalse\nexit 0", {}).exit_code == 1
    assert plan_for("#!/bin/bash -x\nfalse\nexit 0", {}).exit_code == 0


def test_sleeps_after_a_fatal_exit_do_not_count():
    plan = plan_for("#!/bin/bash\nsleep 5\nset -e\nfalse\nsleep 100", {})
    assert (plan.runtime, plan.exit_code) == (5, 1)
    assert plan_for("#!/bin/bash\nsrun -n 2 sleep 7\nsrun --ntasks=2 sleep 3", {}).runtime == 10


def test_srun_swallows_one_sigint_and_traps_still_read():
    plan = plan_for("#!/bin/bash\ntrap 'exit 3' TERM\nsrun sleep 30", {})
    assert plan.traps == {"TERM": 3} and "INT" in plan.swallow_once
