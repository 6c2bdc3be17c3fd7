"""Which coverage cases the schema phases send, and when schemathesis makes them.

The coverage phase is not bounded by max-examples: a job description yields ~3,500 cases, ~80,000 for
every operation against the mock. Only a sample is sent (`sample`), and the cases are made when an
operation's test first runs instead of while pytest collects (`install`): schemathesis makes them at
collection, and every xdist worker collects every operation, so that was half the suite's time, twice."""

from __future__ import annotations

from collections import Counter

import hypothesis
from schemathesis.generation.hypothesis import builder as _builder

from contract_tests.conformance import env_int, operation_id

NOT_SENT: Counter = Counter()      # operation -> coverage cases left out (the report's `not_sent`)
_SEEN: Counter = Counter()         # operation -> coverage cases counted so far


def sample(cases, key=operation_id) -> list:
    """Of one operation's cases in the order they are attached (hypothesis runs them last first), those
    that are sent: in the order they run, the first CONTRACT_COVERAGE_CASES, then one in
    CONTRACT_COVERAGE_STRIDE. The same cases as when they were skipped one by one as they ran: the real
    daemons CI starts have met exactly these (22.05.8 dies on some of the others)."""
    cap, stride = env_int("CONTRACT_COVERAGE_CASES", 40), max(1, env_int("CONTRACT_COVERAGE_STRIDE", 20))
    kept = []
    for case in reversed(list(cases)):
        op = key(case)
        n = _SEEN[op]            # per operation in this process (a probe may name another operation)
        _SEEN[op] += 1
        if n < cap or (n - cap) % stride == 0:
            kept.append(case)
        else:
            NOT_SENT[op] += 1
    kept.reverse()
    return kept


class LazyExamples(list):
    """A hypothesis test's explicit examples, with more of them (`make()`) added the first time hypothesis
    reads the list (it iterates it reversed, and asks whether it is empty, when the test runs)."""

    def __init__(self, before, make):
        super().__init__(before)
        self._make = make

    def _fill(self):
        if self._make is not None:
            make, self._make = self._make, None
            self.extend(make())

    def __iter__(self):
        self._fill()
        return super().__iter__()

    def __reversed__(self):
        self._fill()
        return super().__reversed__()

    def __len__(self):
        self._fill()
        return super().__len__()

    def __bool__(self):
        return len(self) > 0


def add_coverage_when_run(test, operation, generation_modes, auth_storage, override, feedback,
                          generation_config, hooks=None):
    """schemathesis 4.x's `add_coverage`, the same cases in the same order, made when the test first runs and
    only the sample attached."""
    from schemathesis.generation.drivers import CoverageGenerator

    def make():
        generator = CoverageGenerator(operation=operation, generation_modes=generation_modes,
                                      generation_config=generation_config, auth_storage=auth_storage,
                                      override=override, feedback=feedback, hooks=hooks)
        cases = sample(_builder.content_type_probes_first(generator))
        unserializable = generator.controller.unserializable_media_types
        if unserializable:
            _builder.UnserializablePayloadMark.set(test, sorted(unserializable))

        def attach():
            pass
        for case in cases:
            hypothesis.example(case=case)(attach)
        return getattr(attach, "hypothesis_explicit_examples", [])

    test.hypothesis_explicit_examples = LazyExamples(getattr(test, "hypothesis_explicit_examples", ()), make)
    return test


def install() -> None:
    _builder.add_coverage = add_coverage_when_run
