"""The schema phases' coverage sample: which cases are sent, and that they are made when a test first runs
(not while pytest collects every operation in every worker)."""

from __future__ import annotations

from contract_tests import coverage_sample


def test_the_first_cases_run_then_one_in_stride_are_kept_and_the_rest_counted(monkeypatch):
    monkeypatch.setenv("CONTRACT_COVERAGE_CASES", "3")
    monkeypatch.setenv("CONTRACT_COVERAGE_STRIDE", "4")
    coverage_sample.NOT_SENT.clear()
    coverage_sample._SEEN.clear()
    kept = coverage_sample.sample(range(20), key=lambda case: "op")
    # hypothesis runs the last attached first: counted from the end, kept in attachment order
    assert kept == [0, 4, 8, 12, 16, 17, 18, 19]
    assert coverage_sample.NOT_SENT == {"op": 12}
    coverage_sample.NOT_SENT.clear()


def test_examples_are_made_when_first_read_and_keep_their_order():
    made = []

    def make():
        made.append(1)
        return ["c1", "c2"]

    examples = coverage_sample.LazyExamples(["e1"], make)
    assert made == []                                  # nothing made while the test is only built
    assert list(reversed(examples)) == ["c2", "c1", "e1"]   # hypothesis runs them last-attached first
    assert bool(examples) and len(examples) == 3 and list(examples) == ["e1", "c1", "c2"]
    assert made == [1]                                 # made once


def test_install_replaces_schemathesis_add_coverage():
    from schemathesis.generation.hypothesis import builder
    coverage_sample.install()
    assert builder.add_coverage is coverage_sample.add_coverage_when_run
