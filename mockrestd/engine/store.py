"""`serve --state-dir DIR`: the cluster outlives the process, and an answered request outlives a SIGKILL.

DIR holds `state.json`, a whole snapshot (snapshot.py) plus the clock, replaced atomically (temp file,
fsync, rename, fsync of DIR), and `journal.jsonl`: one line per commit since, with only what moved (the
jobs whose revision moved, the other snapshot parts whose encoding changed, the job ids that came and
went). A line costs what one request changed, not what the cluster holds, so committing every request
stays cheap at 10,000 jobs; the journal is folded into a new `state.json` when it outgrows it and when
the server stops. What the clock alone did after the last commit (a job started or ended while only GETs
came) is not written: after a restart the clock does it again, at the same times.

The HTTP gate holds the answer of every request that may change the cluster until `commit()` has
fsynced a line written after it ran. Requests that wait together share one line (group commit). A torn
last line is a write nobody was answered for: it is dropped at start, and so are lines older than the
snapshot (a crash between writing the snapshot and emptying the journal)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path

from . import jobs as _jobs
from .clock import Clock
from .state import Encoder

log = logging.getLogger("mockrestd.store")

STATE_FILE, JOURNAL_FILE = "state.json", "journal.jsonl"
# snapshot parts that are sets (the job ids, the event heap): a line names what came and went, not the whole
# part; each is (read it from the cluster, encoded -> plain, plain -> encoded); a plain member is hashable
_SETS = {
    "jobs": (lambda c: set(c.jobs), set, sorted),
    "accounting_jobs": (lambda c: set(c.accounting.jobs), set, sorted),
    "_events": (lambda c: set(c._events), lambda v: {tuple(e["$tuple"]) for e in v},
                lambda v: [{"$tuple": list(e)} for e in sorted(v)]),
    "_sched_times": (lambda c: set(c._sched_times), lambda v: set(v["$set"]),
                     lambda v: {"$set": sorted(v, key=repr)}),
}
_MIN_FOLD = 16 << 20                          # fold the journal once it is this big and bigger than the state


def _dumps(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _plain(v):
    return tuple(v) if isinstance(v, list) else v


def _clock_state(clock) -> dict:
    return {"now": clock.now(), "wall": time.time(), "speed": clock.speed, "frozen": bool(clock.frozen)}


def _clock_key(state: dict) -> tuple:
    """What a line must record when it changed: the speed, and where the clock stands against wall time."""
    if state["frozen"]:
        return (state["speed"], True, state["now"])
    return (state["speed"], False, round(state["now"] - state["wall"] * state["speed"], 2))


def _clock_from(state: dict) -> Clock:
    """The clock goes on as if the server had never stopped (a frozen one stays where it was)."""
    clock = Clock(speed=state["speed"])
    if state["frozen"]:
        clock.set(state["now"])
        clock.frozen = True
    else:
        clock.set(state["now"] + max(0.0, time.time() - state["wall"]) * state["speed"])
    return clock


class StateDir:
    """One cluster's state on disk. `load` once at start, `commit` after each change, `close` at the end."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.cluster = None
        self._seq = 0                 # commits so far (the snapshot's and the journal's lines)
        self._watermark = 0           # every Job with a revision above it changed since the last commit
        self._parts: dict = {}        # the snapshot parts as last written
        self._ids: dict = {}
        self._journal = None
        self._journal_size = 0
        self._state_size = 0
        self._asked = self._written = 0
        self._lock = asyncio.Lock()
        self.commits = self.lines = 0
        self.write_seconds = 0.0

    # ---- start ----------------------------------------------------------------------------------------------
    def load(self, fresh):
        """The saved cluster, or `fresh` (built from the cluster file) when DIR holds none yet."""
        from .cluster import Cluster

        state_file = self.path / STATE_FILE
        if not state_file.exists():
            self._fold(fresh)
            return fresh
        snap = json.loads(state_file.read_bytes())
        table = {j["job_id"]: j for j in snap.pop("job_table")}
        ids = {k: _SETS[k][1](snap["state"].pop(k)) for k in _SETS if k in snap["state"]}
        self._seq = snap.get("seq", 0)
        clock = snap.pop("clock")
        good = 0
        journal = self.path / JOURNAL_FILE
        data = journal.read_bytes() if journal.exists() else b""
        for line in data.splitlines(keepends=True):
            try:
                entry = json.loads(line) if line.endswith(b"\n") else None
            except ValueError:
                entry = None
            if entry is None:
                log.warning("state-dir: dropped a torn last journal line (%d bytes; it was never answered)",
                            len(line))
                break
            good += len(line)
            if entry["seq"] <= self._seq:
                continue
            self._seq = entry["seq"]
            for fields in entry["jobs"]:
                table[fields["job_id"]] = fields
            snap["state"].update(entry["parts"])
            for k, (came, went) in entry["sets"].items():
                ids[k] = (ids[k] - {_plain(v) for v in went}) | {_plain(v) for v in came}
            snap["time"], clock = entry["time"], entry["clock"]
        if good < len(data):
            with open(journal, "r+b") as f:
                f.truncate(good)
                os.fsync(f.fileno())
        parts = dict(snap["state"])
        for k, v in ids.items():
            snap["state"][k] = _SETS[k][2](v)
        snap["job_table"] = [table[k] for k in sorted(table)]
        cluster = Cluster.restore(snap, clock=_clock_from(clock))
        cluster._t = min(cluster._t, snap["time"])    # what fell due while it was down happens at its own time
        self._attach(cluster, parts, ids)
        self._state_size = state_file.stat().st_size
        self._open_journal(good)
        log.info("state-dir: %s restored (%d jobs, commit %d)", self.path, len(cluster.jobs), self._seq)
        return cluster

    def _attach(self, cluster, parts: dict, ids: dict) -> None:
        self.cluster, self._parts, self._ids = cluster, parts, ids
        self._clock = _clock_key(_clock_state(cluster.clock))
        self._watermark = next(_jobs._REVISIONS)

    def _open_journal(self, size: int) -> None:
        if self._journal is not None:
            self._journal.close()
        self._journal = open(self.path / JOURNAL_FILE, "ab")
        self._journal_size = size

    # ---- writing --------------------------------------------------------------------------------------------
    def _line(self, cluster) -> bytes | None:
        """What changed since the last commit, as one journal line (None: nothing did). Runs in the event
        loop, between requests, so the line is the state at one instant."""
        watermark = next(_jobs._REVISIONS)
        enc = Encoder({})
        state = cluster.snapshot_state(enc, skip=_SETS)
        ids = {k: read(cluster) for k, (read, _, _) in _SETS.items() if k in self._ids}
        parts = {k: v for k, v in state.items() if self._parts.get(k, self) != v}
        moved = {}
        for k, now in ids.items():
            before = self._ids[k]
            if now != before:
                moved[k] = (sorted(now - before), sorted(before - now))
        table = enc.job_table
        changed = {i: j for i, j in table.items() if j._rev > self._watermark}
        done: dict = {}
        while len(done) < len(changed):       # a job's fields may name a job not seen yet
            for i in [i for i in changed if i not in done]:
                done[i] = enc.fields(changed[i])
            changed.update({i: j for i, j in table.items() if j._rev > self._watermark and i not in done})
        self._watermark = watermark
        clock = _clock_state(cluster.clock)
        if not parts and not moved and not done and _clock_key(clock) == self._clock:
            return None
        self._clock = _clock_key(clock)
        self._parts.update(parts)
        self._ids = ids
        self._seq += 1
        return _dumps({"seq": self._seq, "time": cluster._t, "clock": clock,
                       "jobs": [done[i] for i in sorted(done)], "parts": parts, "sets": moved}) + b"\n"

    def _append(self, line: bytes) -> None:
        self._journal.write(line)
        self._journal.flush()
        os.fdatasync(self._journal.fileno())
        self._journal_size += len(line)

    def _fold(self, cluster) -> None:
        """A whole snapshot in place of state.json and the journal (atomically: a crash leaves the old or
        the new state.json, and journal lines older than the one on disk are ignored)."""
        snap = cluster.snapshot()
        self._seq += 1
        snap["seq"], snap["clock"] = self._seq, _clock_state(cluster.clock)
        data = _dumps(snap)
        tmp = self.path / (STATE_FILE + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path / STATE_FILE)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        with open(self.path / JOURNAL_FILE, "wb") as f:
            os.fsync(f.fileno())
        self._state_size = len(data)
        state = dict(snap["state"])
        self._attach(cluster, state, {k: _SETS[k][1](state.pop(k)) for k in _SETS if k in state})
        self._open_journal(0)

    async def commit(self, cluster) -> None:
        """Return once everything `cluster` did up to this call is on disk (the caller then answers)."""
        self._asked += 1
        want = self._asked
        async with self._lock:
            if self._written >= want:
                return
            upto = self._asked
            started = time.perf_counter()
            if cluster is not self.cluster:           # the control API reset or replaced it
                self._fold(cluster)
            else:
                line = self._line(cluster)
                if line is not None:
                    await asyncio.to_thread(self._append, line)
                    self.lines += 1
                if self._journal_size > max(_MIN_FOLD, self._state_size):
                    self._fold(cluster)
            self._written = upto
            self.commits += 1
            self.write_seconds += time.perf_counter() - started

    def close(self, cluster) -> None:
        """At a graceful stop: the journal folded into one state.json."""
        self._fold(cluster)
        self._journal.close()
        self._journal = None
