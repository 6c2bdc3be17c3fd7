"""Slurm's stdio filename patterns (expand_stdio_fields in src/common/print_fields.c, 25.11.7)."""

import pytest

from mockrestd.engine.stdio import Fields, default_output, expand

JOB = Fields(job_id=128, work_dir="/home/alice/run", job_name="train", user="alice", node="node3", restart_count=2)
TASK = Fields(job_id=131, work_dir="/w/", array_job_id=128, array_task_id=3, job_name="arr", user="bob",
              node="node1")


@pytest.mark.parametrize("pattern, fields, expected", [
    ("slurm-%j.out", JOB, "/home/alice/run/slurm-128.out"),
    ("/abs/%x-%u.log", JOB, "/abs/train-alice.log"),
    ("job%4j.out", JOB, "/home/alice/run/job0128.out"),
    ("%J.%s", JOB, "/home/alice/run/128.batch"),          # the batch step
    ("%N/%n/%r", JOB, "/home/alice/run/node3/0/2"),
    ("100%%-%j", JOB, "/home/alice/run/100%-128"),
    ("%q%j", JOB, "/home/alice/run/%q128"),                 # not a wildcard: kept as written
    ("%5q", JOB, "/home/alice/run/%5q"),
    ("%12j", JOB, "/home/alice/run/0000000128"),            # padding is at most 10
    ("a\\%j", JOB, "/home/alice/run/a%j"),                  # a backslash: nothing is replaced
    ("end%", JOB, "/home/alice/run/end"),                   # a lone % at the end is dropped
    ("slurm-%A_%a.out", TASK, "/w/slurm-128_3.out"),        # work_dir ending in / is not doubled
    ("%b-%3a", Fields(job_id=5, array_job_id=4, array_task_id=17), "7-017"),
    ("%A_%a", Fields(job_id=9), "9_4294967294"),            # not an array task: %A is the job, %a NO_VAL
])
def test_expand(pattern, fields, expected):
    assert expand(pattern, fields) == expected


def test_srun_leaves_per_task_fields():
    assert expand("out-%t-%N-%j", Fields(job_id=3, work_dir="/w", node="n1", task_id=1), srun=True) == \
        "out-%t-%N-3"


def test_no_pattern_and_defaults():
    assert expand("", JOB) == "" and expand(None, JOB) == ""
    assert default_output(False) == "slurm-%j.out"
    assert default_output(True) == "slurm-%A_%a.out"
