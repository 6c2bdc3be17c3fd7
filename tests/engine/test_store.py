"""engine/store.py: what the journal brings back equals the cluster it was written from."""

from __future__ import annotations

import asyncio

from mockrestd.engine import Cluster
from mockrestd.engine.clock import ManualClock
from mockrestd.engine.store import JOURNAL_FILE, StateDir

JOB = {"script": "#!/bin/sh\nsleep 100\n", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def _same(a: Cluster, b: Cluster):
    sa, sb = a.snapshot(), b.snapshot()
    for s in (sa, sb):
        s["state"]["stats"].pop("rpcs")        # every snapshot() counts itself
    assert sa == sb


def test_journal_replays_to_the_same_cluster(tmp_path):
    StateDir(tmp_path).load(Cluster.default(clock=ManualClock()))
    store = StateDir(tmp_path)                  # a second start on the same folder: the saved one wins
    cluster = store.load(Cluster.default(clock=ManualClock()))

    def commit():
        asyncio.run(store.commit(cluster))

    ids = [cluster.submit(dict(JOB, name=f"j{i}"), as_user="alice").job_id for i in range(12)]
    commit()
    cluster.clock.advance(50)                   # they run
    cluster.update_job(str(ids[-1]), {"comment": "changed"}, as_user="alice")
    cluster.signal_job(str(ids[-2]), "KILL", as_user="alice")
    cluster.update_nodes("node1", {"state": ["DRAIN"], "reason": "disk"}, as_user="root")
    commit()
    cluster.clock.advance(500)                  # they end; MinJobAge: the killed one leaves the controller
    cluster.sync()
    commit()
    again = StateDir(tmp_path).load(Cluster.default(clock=ManualClock()))
    _same(cluster, again)
    assert again.submit(dict(JOB), as_user="alice").job_id == ids[-1] + 1
    assert store.lines == 3


def test_torn_last_line_is_dropped(tmp_path):
    store = StateDir(tmp_path)
    cluster = store.load(Cluster.default(clock=ManualClock()))
    first = cluster.submit(dict(JOB), as_user="alice").job_id
    asyncio.run(store.commit(cluster))
    with open(tmp_path / JOURNAL_FILE, "ab") as f:      # SIGKILL in the middle of the next write
        f.write(b'{"seq": 99, "jobs": [{"job_id"')
    again = StateDir(tmp_path).load(Cluster.default(clock=ManualClock()))
    assert list(again.jobs) == [first]
    assert (tmp_path / JOURNAL_FILE).read_bytes().endswith(b"\n")
