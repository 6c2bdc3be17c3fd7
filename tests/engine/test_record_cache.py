"""Job revisions: the key under which a reader may keep what it made of a job's record.

The promise (`Cluster._ref`, `RecordRef`): two refs with the same revision have the same record but for the
fields they name volatile, whose values come with the ref. These tests check it the hard way, by making
every record afresh at many moments of a busy history and asserting that no revision ever names two
different records (volatile fields aside, and those equal to the record's), and that each kind of change
(state, update, cancel, signal, the clock clearing COMPLETING, an array's task string shrinking, MinJobAge)
gives a new one, while a scheduler pass that only re-evaluates a pending job changes only its volatile
last_sched_evaluation."""

import json

import pytest

from mockrestd.engine import Cluster
from mockrestd.engine.jobs import Job

from .conftest import JOB, one, submit


def _blob(record: dict, leave_out=()) -> str:
    return json.dumps({k: v for k, v in record.items() if k not in leave_out}, sort_keys=True, default=repr)


def key(ref):
    """Everything a reader may key a record by: its revision and its volatile values."""
    return ref.revision, tuple(sorted(ref.volatile.items()))


class Watch:
    """Every (revision -> record) pair seen; a revision that comes back with another record is a stale hit."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.seen: dict = {}
        self.checks = 0

    def refs(self) -> dict:
        return {ref.record()["job_id"]: ref for ref in self.cluster.job_records(lazy=True).refs()}

    def check(self) -> dict:
        refs = self.cluster.job_records(lazy=True).refs()
        records = self.cluster.job_records()
        assert [_blob(r.record()) for r in refs] == [_blob(r) for r in records], "lazy and eager records differ"
        revisions = [r.revision for r in refs]
        assert len(set(revisions)) == len(revisions), "two jobs share a revision"
        for ref, record in zip(refs, records):
            for name, value in ref.volatile.items():
                assert record[name] == value, f"volatile {name} of job {record['job_id']} is not the record's"
            blob = _blob(record, leave_out=ref.volatile)
            first = self.seen.setdefault(ref.revision, blob)
            assert first == blob, f"revision {ref.revision} names two records of job {record['job_id']}"
        self.checks += 1
        return {rec["job_id"]: key(ref) for ref, rec in zip(refs, records)}


def revision(cluster, job_id):
    refs = [r for r in cluster.job_records(lazy=True).refs() if r.record()["job_id"] == job_id]
    assert len(refs) == 1
    return key(refs[0])


def test_revision_changes_with_every_kind_of_change(cluster, clock):
    w = Watch(cluster)
    job = submit(cluster)
    r0 = w.check()[job]
    clock.advance(2)                                           # scheduler pass: RUNNING
    r1 = w.check()[job]
    assert r1 != r0 and one(cluster, job)["job_state"] == ["RUNNING"]
    cluster.update_job(str(job), {"comment": "hello"}, "alice")
    r2 = w.check()[job]
    assert r2 != r1 and one(cluster, job)["comment"] == "hello"
    cluster.update_job(str(job), {"time_limit": 5}, "alice")
    r3 = w.check()[job]
    assert r3 != r2
    cluster.signal_job(str(job), None, [], "alice")            # cancel: CANCELLED + COMPLETING for a second
    r4 = w.check()[job]
    assert r4 != r3 and one(cluster, job)["job_state"] == ["CANCELLED", "COMPLETING"]
    clock.advance(2)                                           # the clock clears COMPLETING
    r5 = w.check()[job]
    assert r5 != r4 and one(cluster, job)["job_state"] == ["CANCELLED"]
    assert w.check()[job] == r5, "nothing changed: same revision (the point of the cache)"
    clock.advance(400)                                         # MinJobAge: gone from the controller
    assert job not in w.check()


def test_completing_clears_by_the_clock_alone(cluster, clock):
    """Between the cancel and the end of COMPLETING nothing touches the job: the clock alone changes it."""
    job = submit(cluster)
    clock.advance(1)
    cluster.signal_job(str(job), None, [], "alice")
    before = revision(cluster, job)
    clock.advance(0.5)
    assert one(cluster, job)["job_state"] == ["CANCELLED", "COMPLETING"]
    assert revision(cluster, job) == before
    clock.advance(0.6)
    assert one(cluster, job)["job_state"] == ["CANCELLED"]
    assert revision(cluster, job) != before


def test_completing_flag_is_part_of_the_revision_even_without_the_event(cluster, clock):
    """`states(now)` is in the revision itself, so a record read between the flag's end and the event
    that clears it (or with the event lost) is still honest."""
    job = submit(cluster)
    clock.advance(1)
    cluster.signal_job(str(job), None, [], "alice")
    j = cluster.jobs[job]
    cluster._events = [e for e in cluster._events if e[2] != "uncomplete"]   # no event will clear it
    before = key(cluster._ref(j))
    clock.advance(5)
    cluster.sync()
    assert j.completing_until is not None
    after = cluster._ref(j)
    assert key(after) != before and after.record()["job_state"] == ["CANCELLED"]


def test_signal_and_scheduler_passes(cluster, clock):
    w = Watch(cluster)
    running = submit(cluster)
    waiting = submit(cluster, tasks=64)                        # more CPUs than the cluster has: pends
    clock.advance(2)
    revs = w.check()
    evaluated = one(cluster, waiting)["last_sched_evaluation"]
    clock.advance(5)
    cluster.signal_job(str(running), "SIGTERM", [], "alice")   # ends it, and asks for a scheduler pass
    after = w.check()
    assert after[running] != revs[running] and one(cluster, running)["job_state"] == ["FAILED"]
    assert one(cluster, waiting)["last_sched_evaluation"] > evaluated
    assert after[waiting] != revs[waiting], "a scheduler pass re-evaluates pending jobs: a new record"
    assert after[waiting][0] == revs[waiting][0], "... but only its volatile last_sched_evaluation moved"
    assert dict(after[waiting][1]) == {"last_sched_evaluation": int(clock.now())}


def test_array_task_string_shrinks_under_a_new_revision(cluster, clock):
    w = Watch(cluster)
    arr = submit(cluster, array="1-5", tasks=16)              # one task at a time fits (16 CPUs on gpu1)
    first = w.check()[arr]
    assert one(cluster, arr)["array_task_string"] == "1-5"
    strings = {"1-5"}
    for _ in range(8):
        clock.advance(31)
        revs = w.check()
        rec = [r for r in cluster.job_records() if r["job_id"] == arr][0]
        if rec["array_task_string"] not in strings:
            assert revs[arr] != first
            strings.add(rec["array_task_string"])
    assert len(strings) > 2, strings


def test_cancelling_one_pending_task_changes_the_arrays_record(cluster, clock):
    """`DELETE /job/12_3` on a pending array takes task 3 out of the array's own record without touching
    that job: the pending task string is part of the revision (read before the scheduler pass that the
    cancel asks for, which would give the job a new revision anyway)."""
    arr = submit(cluster, array="1-4", hold=True)
    clock.advance(2)
    cluster.sync()                                             # the scheduler pass due by now has run
    meta = cluster.jobs[arr]
    before = cluster._ref(meta)
    assert before.record()["array_task_string"] == "1-4"
    own = meta._rev
    listed = cluster.job_records(lazy=True).signature
    cluster.signal_job(f"{arr}_3", None, [], "alice")
    after = cluster._ref(meta)
    assert meta._rev == own, "the array's own job was not touched"
    assert cluster.job_records(lazy=True).signature != listed
    assert after.record()["array_task_string"] == "1-2,4"
    assert key(after) != key(before)
    assert one(cluster, arr)["array_task_string"] == "1-2,4"


def test_a_finished_jobs_resources_follow_its_nodes(cluster, clock):
    """A finished job keeps its job_resources, read from the nodes it held; they may be deleted or made
    again with another layout after it ended, without the job changing."""
    job = submit(cluster, script="#!/bin/bash\nsleep 5")
    clock.advance(10)
    rec = one(cluster, job)
    assert rec["job_state"] == ["COMPLETED"] and rec["job_resources"] is not None
    node = rec["nodes"]
    before = revision(cluster, job)
    listed = [cluster.job_records(lazy=True).signature]     # a listing's signature follows the same changes
    cluster.delete_node(node, "root")
    after_delete = revision(cluster, job)
    assert after_delete != before
    listed.append(cluster.job_records(lazy=True).signature)
    assert one(cluster, job)["job_resources"] != rec["job_resources"]
    cluster.create_node(f"NodeName={node} CPUs=8 Sockets=1 CoresPerSocket=8", "root")
    assert revision(cluster, job) not in (before, after_delete)
    listed.append(cluster.job_records(lazy=True).signature)
    assert len(set(listed)) == 3
    sockets = one(cluster, job)["job_resources"]["nodes"]["allocation"][0]["sockets"]
    assert len(sockets) == 1


def test_pending_update_of_a_container_field_is_seen(cluster, clock):
    """`desc` is a dict inside the job: the update replaces it, so the revision moves."""
    w = Watch(cluster)
    job = submit(cluster, hold=True)
    before = w.check()[job]
    cluster.update_job(str(job), {"excluded_nodes": ["node1"]}, "alice")
    after = w.check()[job]
    assert after != before and one(cluster, job)["excluded_nodes"] == "node1"
    cluster.update_job(str(job), {"hold": False}, "alice")
    assert w.check()[job] != after


def test_busy_history_never_reuses_a_revision_for_another_record(cluster, clock):
    """Many jobs in every state, checked after every step: no revision ever names two records."""
    w = Watch(cluster)
    ids = []
    for i in range(12):
        ids.append(submit(cluster, name=f"j{i}", script=f"#!/bin/bash\nsleep {5 + 7 * i}\nexit {i % 3}"))
    ids.append(submit(cluster, array="0-6:2%2", tasks=4))
    ids.append(cluster.submit([JOB, {"environment": ["A=1"], "current_working_directory": "/tmp"}], "bob").job_id)
    ids.append(submit(cluster, dependency=f"afterok:{ids[0]}"))
    ids.append(submit(cluster, hold=True))
    ids.append(submit(cluster, begin_time=int(clock.now()) + 40))
    for step in range(40):
        clock.advance(3)
        w.check()
        if step == 3:
            cluster.update_job(str(ids[-2]), {"hold": False}, "alice")
        if step == 5:
            cluster.signal_job(str(ids[5]), None, [], "alice")
        if step == 7:
            cluster.signal_job(str(ids[6]), "TERM", [], "alice")
        if step == 9:
            cluster.update_job(str(ids[7]), {"name": "renamed"}, "alice")
        w.check()
    assert w.checks > 70 and len(w.seen) > 40


def test_revisions_are_new_after_reset_and_restore(clock):
    """Same job ids, other jobs: a reader keyed by revision must not mistake one for the other."""
    a = Cluster.default(clock=clock)
    job = submit(a, name="first")
    ra = revision(a, job)
    b = Cluster.default(clock=clock)                       # POST /mockrestd/v1/reset builds a new one
    assert submit(b, name="second") == job
    assert revision(b, job) != ra
    c = Cluster.restore(a.snapshot(), clock=clock)
    assert revision(c, job) not in (ra, revision(b, job))
    assert one(c, job)["name"] == "first"


def test_job_revision_follows_assignments():
    job = Job(job_id=1, desc={}, user_name="u", user_id=1, group_name="u", account="a", partition="p", qos="q",
              submit_time=0.0, plan=None, cluster="c")
    rev = job._rev
    job.name = ""                                          # same value: nothing changed
    assert job._rev == rev
    job.name = "x"
    assert job._rev != rev
    rev = job._rev
    job.flags = list(job.flags)                            # a container is always a change
    assert job._rev != rev
    rev = job._rev
    job.priority = True                                    # same == value, another type: a change
    assert job._rev != rev
    rev = job._rev
    job.accrue_time = 0.0
    rev = job._rev
    job.accrue_time = -0.0                                 # equal floats that print otherwise
    assert job._rev != rev
    rev = job._rev
    job.last_eval = 12345.0                                # volatile: handed out beside the revision
    assert job._rev == rev


@pytest.mark.parametrize("lazy", [False, True])
def test_lookup_lazy_and_eager_agree(cluster, clock, lazy):
    arr = submit(cluster, array="1-3")
    clock.advance(2)
    records, warnings = cluster.job_lookup(f"{arr}_2", lazy=lazy)
    records = [r.record() for r in records] if lazy else records
    assert [_blob(r) for r in records] == [_blob(r) for r in cluster.job_lookup(f"{arr}_2")[0]]
    assert warnings
