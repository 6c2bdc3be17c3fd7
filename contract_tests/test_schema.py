"""Schema conformance of every operation the target serves: schemathesis phases examples, coverage and
fuzzing, one pytest item per operation (the stateful phase is in test_stateful.py).

The coverage phase is not bounded by max-examples (a job description yields ~1,700 cases), so only a
sample is sent: the first CONTRACT_COVERAGE_CASES cases of each operation, then one in
CONTRACT_COVERAGE_STRIDE; the report counts the cases not sent."""

import threading
from collections import Counter

from contract_tests import recorder
from contract_tests.conformance import build_schema, env_int, operation_id, phase_of

schema = build_schema("phases")
_SEEN: Counter = Counter()
_LOCK = threading.Lock()


def _send(case) -> bool:
    phase = phase_of(case)
    if phase != "coverage":
        return True
    cap, stride = env_int("CONTRACT_COVERAGE_CASES", 40), max(1, env_int("CONTRACT_COVERAGE_STRIDE", 20))
    key = operation_id(case)
    with _LOCK:
        n = _SEEN[key]
        _SEEN[key] += 1
    if n < cap or (n - cap) % stride == 0:
        return True
    recorder.add({"type": "unsent", "kind": "phases", "operation": key, "phase": phase})
    return False


@schema.parametrize()
def test_operation(case):
    if _send(case):
        case.call_and_validate()
