"""Snapshot codec: the engine's objects ⇄ plain JSON, with a fixed list of classes.

A snapshot can arrive over the control API, so it is never unpickled: only the classes named here are
rebuilt, from their fields. Shared objects (a Job seen by the controller, its array and accounting) are
written once in a table and referred to by id, so identity survives a round trip."""

from __future__ import annotations

import dataclasses
import itertools
import re

from .values import INFINITE


def _classes() -> dict:
    from .jobs import Job
    from .licenses import License
    from .nodes import Node
    from .partitions import Partition
    from .reservations import Reservation
    from .runtime import Plan
    return {c.__name__: c for c in (Job, Node, Partition, Reservation, License, Plan)}


_PLAIN = frozenset({type(None), bool, str, int, float})


class Encoder:
    def __init__(self, job_table: dict | None = None):
        from .jobs import Job
        self.job_table = job_table if job_table is not None else {}
        self.classes = _classes()
        self._job = Job
        self._names: dict = {}      # class -> its dataclass field names (asked once, not per object)

    def __call__(self, value):
        if type(value) in _PLAIN:       # most values: checked first, and without an import per call
            return value
        Job = self._job
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return value
        if value is INFINITE:
            return {"$inf": True}
        if isinstance(value, Job):
            self.job_table.setdefault(value.job_id, value)
            return {"$job": value.job_id}
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in value):
                return {k: self(v) for k, v in value.items()}
            return {"$map": [[self(k), self(v)] for k, v in value.items()]}
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, tuple):
            return {"$tuple": [self(v) for v in value]}
        if isinstance(value, (set, frozenset)):
            return {"$set": sorted((self(v) for v in value), key=repr)}
        if isinstance(value, itertools.count):
            return {"$count": int(re.search(r"(-?\d+)", repr(value)).group(1))}
        if type(value).__name__ in self.classes:
            return {"$obj": type(value).__name__, "fields": self.fields(value)}
        raise TypeError(f"cannot snapshot {type(value).__name__}")

    def fields(self, obj) -> dict:
        """Dataclass fields plus any extra plain attributes; `_`-prefixed ones are runtime-only hooks."""
        cls = type(obj)
        known = self._names.get(cls)
        if known is None:
            names = [f.name for f in dataclasses.fields(obj)] if dataclasses.is_dataclass(obj) else []
            known = self._names[cls] = (names, frozenset(names))
        names = known[0] + [k for k in vars(obj) if k not in known[1] and k[0] != "_"]
        return {k: self(getattr(obj, k)) for k in names}

    def job(self, job) -> dict:
        return self.fields(job)


class Decoder:
    def __init__(self, jobs: dict | None = None):
        self.jobs = jobs if jobs is not None else {}
        self.classes = _classes()

    def __call__(self, value):
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "$inf" in value:
            return INFINITE
        if "$job" in value:
            return self.jobs[value["$job"]]
        if "$map" in value:
            return {self(k): self(v) for k, v in value["$map"]}
        if "$tuple" in value:
            return tuple(self(v) for v in value["$tuple"])
        if "$set" in value:
            return {self(v) if not isinstance(v, list) else tuple(v) for v in value["$set"]}
        if "$count" in value:
            return itertools.count(value["$count"])
        if "$obj" in value:
            return self.build(value["$obj"], value["fields"])
        return {k: self(v) for k, v in value.items()}

    def build(self, class_name: str, fields: dict):
        cls = self.classes.get(class_name)
        if cls is None:
            raise ValueError(f"snapshot names an unknown class {class_name!r}")
        obj = cls.__new__(cls)
        known = {f.name: f for f in dataclasses.fields(cls)}
        for f in known.values():          # defaults first, so older snapshots still load
            if f.default is not dataclasses.MISSING:
                setattr(obj, f.name, f.default)
            elif f.default_factory is not dataclasses.MISSING:
                setattr(obj, f.name, f.default_factory())
        for k, v in fields.items():
            if k.startswith("_"):
                continue
            setattr(obj, k, self(v))
        return obj
