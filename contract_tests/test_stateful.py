"""schemathesis' stateful phase: sequences that follow the links between operations (inferred ones, plus
the explicit submit → get/update/cancel/signal links added in specdoc.py), with the same checks and the
same divergence relaxation as the other phases. Bounded by CONTRACT_STATEFUL_EXAMPLES scenarios of at
most CONTRACT_STATEFUL_STEPS steps each."""

import os

import pytest
from hypothesis import HealthCheck, settings

from contract_tests.conformance import build_schema, call_guarded, env_int

schema = build_schema("stateful")
_PHASES = [p.strip() for p in os.environ.get("CONTRACT_PHASES", "").split(",") if p.strip()]
_ENABLED = not _PHASES or "stateful" in _PHASES


class StateMachine(schema.as_state_machine()):
    def call(self, case, **kwargs):
        """A step whose target died stops the run with the suspected crash (contract_tests/liveness.py)."""
        return call_guarded(case, lambda: super(StateMachine, self).call(case, **kwargs))


@pytest.mark.skipif(not _ENABLED, reason="stateful phase not in CONTRACT_PHASES")
def test_stateful():
    """Run the link-driven state machine once (a single pytest item, its sequences reported per operation)."""
    from hypothesis.stateful import run_state_machine_as_test
    run_state_machine_as_test(StateMachine, settings=settings(
        max_examples=env_int("CONTRACT_STATEFUL_EXAMPLES", 10),
        stateful_step_count=env_int("CONTRACT_STATEFUL_STEPS", 20),
        deadline=None, database=None, suppress_health_check=list(HealthCheck)))
