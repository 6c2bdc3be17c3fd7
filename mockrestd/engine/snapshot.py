"""Snapshot and restore: the whole controller as plain JSON (see state.py for the codec)."""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from .arrays import _Array
from .clock import Clock
from .state import Decoder, Encoder

if TYPE_CHECKING:
    from .cluster import Cluster

SNAPSHOT_FORMAT = "mockrestd-snapshot/2"


class SnapshotMixin:
    """`_STATE_FIELDS` lists every attribute of `Cluster` a snapshot keeps."""

    _STATE_FIELDS = ("name", "release", "slurm_user", "operators", "min_job_age", "strict_users", "control_host",
                     "runtime", "started", "nodes", "partitions", "licenses", "reservations", "_next_id", "_events",
                     "_sched_times", "_seq", "last_job_update", "stats")

    def snapshot(self) -> dict:
        """The whole state as plain JSON (no pickles: a snapshot may come back over the control API)."""
        self.sync()
        table: dict = {}
        state = self.snapshot_state(Encoder(table))
        enc = Encoder(table)
        job_table = {}
        while len(job_table) < len(table):          # encoding jobs may reveal no new ones, but be safe
            for job_id in sorted(set(table) - set(job_table)):
                job_table[job_id] = enc.fields(table[job_id])
        return {"format": SNAPSHOT_FORMAT, "cluster": self.name, "time": self._t, "config": self.config,
                "job_table": [job_table[k] for k in sorted(job_table)], "state": state}

    def snapshot_state(self, enc: Encoder, skip=()) -> dict:
        """Everything but the jobs' own fields; every Job it keeps is put in `enc.job_table` (engine/store.py
        writes this part, but the parts it keeps itself (`skip`), and only the jobs that changed)."""
        table = enc.job_table
        state = {k: enc(getattr(self, k)) for k in self._STATE_FIELDS if k not in skip}
        if "jobs" not in skip:
            state["jobs"] = sorted(self.jobs)
        state["arrays"] = [{"array_id": a.array_id, "pending": a.pending, "max_running": a.max_running,
                            "job": a.job.job_id, "task_jobs": [j.job_id for j in a.task_jobs]}
                           for a in self.arrays.values()]
        for j in self.jobs.values():
            table.setdefault(j.job_id, j)
        for a in self.arrays.values():
            for j in [a.job, *a.task_jobs]:
                table.setdefault(j.job_id, j)
        acc = self.accounting
        if hasattr(acc, "to_state"):
            state["accounting"] = acc.to_state(enc)
        else:
            state["accounting"] = {k: enc(v) for k, v in vars(acc).items() if k not in ("clock", "jobs")
                                   and not callable(v)}
            if "accounting_jobs" not in skip:
                state["accounting_jobs"] = sorted(acc.jobs)
            for job_id, j in acc.jobs.items():
                table.setdefault(job_id, j)
        return state

    @classmethod
    def restore(cls, snap: dict, clock=None) -> "Cluster":
        if not isinstance(snap, dict) or snap.get("format") != SNAPSHOT_FORMAT:
            raise ValueError("not a mockrestd snapshot (format %s expected)" % SNAPSHOT_FORMAT)
        cluster = cls(snap["config"], clock or Clock())
        jobs: dict = {}
        dec = Decoder(jobs)
        for fields in snap["job_table"]:
            job = dec.build("Job", fields)
            job._sync = cluster.sync
            jobs[job.job_id] = job
        state = snap["state"]
        for k in cls._STATE_FIELDS:
            if k in state:
                setattr(cluster, k, dec(state[k]))
        cluster.operators = tuple(cluster.operators)
        cluster._events = [tuple(e) for e in cluster._events]
        heapq.heapify(cluster._events)
        cluster.jobs = {i: jobs[i] for i in state["jobs"]}
        cluster.arrays = {}
        for a in state["arrays"]:
            arr = _Array(a["array_id"], a["pending"], a["max_running"], jobs[a["job"]])
            arr.task_jobs = [jobs[i] for i in a["task_jobs"]]
            cluster.arrays[arr.array_id] = arr
        acc = cluster.accounting
        if hasattr(acc, "from_state") and "accounting_jobs" not in state:
            cluster.accounting = type(acc).from_state(state["accounting"], dec, cluster.name, cluster.clock, jobs)
        else:
            for k, v in state["accounting"].items():
                setattr(acc, k, dec(v))
            acc.jobs = {i: jobs[i] for i in state.get("accounting_jobs", [])}
        cluster._t = max(cluster._t, float(snap.get("time", 0)))
        return cluster
