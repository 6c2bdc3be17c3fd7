"""Injected faults (control API): what a client sees when the controller or the database misbehaves."""

from __future__ import annotations

import fnmatch
import itertools
from dataclasses import asdict, dataclass, field

KINDS = ("controller_down", "dbd_down", "latency", "error")


@dataclass
class Fault:
    kind: str                       # one of KINDS
    operation: str = "*"            # glob over operationId or its short name ("get_jobs", "slurm_v0044_*")
    latency: float = 0.0            # seconds added before answering
    status: int = 0                 # "error": HTTP status (0: the profile's status for error_number)
    error_number: int = 500
    description: str = "injected fault"
    count: int | None = None        # answer this many requests, then disappear (None: until removed)
    id: int = field(default=0)

    def matches(self, op) -> bool:
        return fnmatch.fnmatch(op.operation_id, self.operation) or fnmatch.fnmatch(op.name, self.operation)


class Faults:
    def __init__(self):
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, **spec) -> Fault:
        if spec.get("kind") not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}")
        fault = Fault(**spec)
        fault.id = next(self._ids)
        self._faults.append(fault)
        return fault

    def remove(self, fault_id: int | None = None) -> None:
        self._faults = [] if fault_id is None else [f for f in self._faults if f.id != fault_id]

    def list(self) -> list[dict]:
        return [asdict(f) for f in self._faults]

    def pick(self, op, now: float) -> Fault | None:
        for fault in self._faults:
            if not fault.matches(op):
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
            return fault
        return None
