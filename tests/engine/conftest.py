"""Engine fixtures: a default cluster on a manual clock, and small helpers to submit and read jobs."""

import json
import os
from pathlib import Path

import pytest

from mockrestd.engine import Cluster, ManualClock

T0 = 1_760_000_000
JOB = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/home/alice"}
SHARED = Path(os.environ.get("MOCKRESTD_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
SPEC_44 = SHARED / "specs" / "slurm-v0.0.44.json"


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def cluster(clock):
    return Cluster.default(clock=clock)


@pytest.fixture(scope="session")
def schemas():
    if not SPEC_44.is_file():
        pytest.skip(f"no v0.0.44 spec at {SPEC_44}")
    return json.loads(SPEC_44.read_text())["components"]["schemas"]


def one(cluster, job_id):
    """The record of exactly this job id."""
    recs = [r for r in cluster.job_lookup(str(job_id))[0] if r["job_id"] == int(job_id)]
    assert len(recs) == 1
    return recs[0]


def submit(cluster, user="alice", **fields):
    return cluster.submit({**JOB, **fields}, user).job_id


def state(cluster, job_id):
    return one(cluster, job_id)["job_state"]
