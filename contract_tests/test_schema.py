"""Schema conformance of every operation the target serves: schemathesis phases examples, coverage and
fuzzing, one pytest item per operation (the stateful phase is in test_stateful.py).

The coverage phase is not bounded by max-examples (a job description yields ~1,700 cases), so only a
sample is sent: the first CONTRACT_COVERAGE_CASES cases of each operation, then one in
CONTRACT_COVERAGE_STRIDE (contract_tests/coverage_sample.py); the report counts the cases not sent."""

import requests

from contract_tests import coverage_sample, recorder
from contract_tests.conformance import build_schema, call_guarded, divergence_table, get_target, operation_id, phase_of

coverage_sample.install()
schema = build_schema("phases")


def _report_not_sent() -> None:
    """What `coverage_sample` left out of each operation this process ran, as one count per operation."""
    while coverage_sample.NOT_SENT:
        key, count = coverage_sample.NOT_SENT.popitem()
        recorder.add({"type": "unsent", "kind": "phases", "operation": key, "phase": "coverage", "count": count})


_HTTP_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT"}


@schema.parametrize()
def test_operation(case):
    _report_not_sent()
    try:
        call_guarded(case, case.call_and_validate)
    except requests.ConnectionError:
        if not _listed_hang_up(case):
            raise


def _listed_hang_up(case) -> bool:
    """A method HTTP does not define (schemathesis' unsupported-method cases send QUERY with a body) is answered
    by 24.11 with a bare '400 BAD REQUEST' line and a close, which a client still sending the body sees as a
    reset. Only a divergence that says so (`closes_connection`) turns that into a relaxed failure."""
    if case.method.upper() in _HTTP_METHODS:
        return False
    target = get_target()
    hit = divergence_table().closed_connection("unsupported_method", operation_id(case), target.release())
    if hit is None:
        return False
    recorder.relaxed("phases", operation_id(case), phase_of(case), None, hit.check, hit.id,
                     f"{case.method} answered by closing the connection")
    return True
