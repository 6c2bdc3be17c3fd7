"""Fast tests of the suite's pieces: the divergence table, the per-release table, normalisation, report."""

from __future__ import annotations

import pytest

from contract_tests import divergences, expectations, report, specdoc


def test_divergence_table_loads_and_every_entry_has_evidence():
    table = divergences.Table.load()
    assert len(table.entries) >= 8
    for d in table.entries:
        assert d.evidence.strip() and d.operations and d.check in divergences.KNOWN_CHECKS


def test_divergence_matches_only_its_check_operation_and_status():
    table = divergences.Table.load()
    hit = table.find(["response_schema_conformance"], "slurm_v0044_get_jobs_state", 200, "/: x", "25.11.7")
    assert hit is not None and hit.id == "jobs-state-shape"
    assert table.find(["response_schema_conformance"], "slurm_v0044_get_jobs", 200, "/: x", "25.11.7") is None
    assert table.find(["response_schema_conformance"], "slurm_v0044_get_jobs_state", 500, "/: x", "25.11.7") is None
    # controller errors as 500 are known on 25.11 only, not on 26.05 (which answers 422)
    subj = "Server error:  | errors: 2073"
    assert table.find(["not_a_server_error"], "slurm_v0044_post_job", 500, subj, "25.11.7") is not None
    assert table.find(["not_a_server_error"], "slurm_v0044_post_job", 500, subj, "26.05.5") is None
    assert table.find(["not_a_server_error"], "slurm_v0044_post_job", 500, "Server error: ", "25.11.7") is None


def test_a_hang_up_is_relaxed_only_where_an_entry_says_the_daemon_closes_the_connection():
    table = divergences.Table.load()
    hit = table.closed_connection("unsupported_method", "slurm_v0042_post_job_submit", "24.11.5")
    assert hit is not None and hit.id == "unknown-http-method-400"
    assert table.closed_connection("unsupported_method", "slurm_v0044_post_job_submit", "25.11.7") is None
    assert table.closed_connection("not_a_server_error", "slurm_v0042_post_job_submit", "24.11.5") is None


def test_parser_errors_as_500_are_known_but_not_controller_errors_on_26_05():
    table = divergences.Table.load()
    subj = "Server error:  | errors: 9202 9000"
    for release in ("24.11.5", "25.11.7", "26.05.5"):
        assert table.find(["not_a_server_error"], "slurm_v0044_get_nodes", 500, subj, release).id == \
            "parser-errors-500"
    assert table.find(["not_a_server_error"], "slurm_v0044_get_nodes", 500, "Server error:  | errors: 9000",
                      "26.05.5") is None


def test_divergence_file_errors_are_reported(tmp_path):
    bad = tmp_path / "d.toml"
    bad.write_text('[[divergence]]\nid = "x"\ncheck = "nonsense"\noperations = ["*"]\nevidence = "e"\n')
    with pytest.raises(ValueError, match="unknown check"):
        divergences.Table.load(bad)
    bad.write_text('[[divergence]]\nid = "x"\ncheck = "unsupported_method"\noperations = ["*"]\n')
    with pytest.raises(ValueError, match="evidence"):
        divergences.Table.load(bad)


def test_release_table():
    assert expectations.expect("25.11.7", "controller_error") == 500
    assert expectations.expect("26.05.5", "controller_error") == 422
    assert expectations.series_of("25.05.3") == "24.11"       # nearest older known series
    assert expectations.series_of("27.11.0") == "26.05"
    assert expectations.series_of("unknown") == "22.05"


def test_own_normalise_repairs_what_tools_trip_on():
    doc = {"components": {"schemas": {
        "a": {"type": "object", "required": [], "properties": {"n": {"type": "integer", "format": "int32"}}},
        "b": {"type": "object", "required": ["nodes/count", "x"]}}}}
    specdoc._own_normalise(doc)
    assert "required" not in doc["components"]["schemas"]["a"]
    assert "format" not in doc["components"]["schemas"]["a"]["properties"]["n"]
    assert doc["components"]["schemas"]["b"]["required"] == ["x"]


def test_destructive_classification():
    assert specdoc.is_destructive("slurm_v0044_delete_node")
    assert specdoc.is_destructive("slurmdb_v0044_post_job")          # accounting update of any job
    assert not specdoc.is_destructive("slurm_v0044_post_job")        # update of the suite's own job
    assert not specdoc.is_destructive("slurm_v0044_get_jobs")


def test_report_aggregates_events():
    events = [
        {"type": "inventory", "url": "u", "kind": "mock", "release": "25.11.7", "versions": ["v0.0.44"],
         "operations": [{"operation": "op", "method": "GET", "path": "/p", "excluded": None}]},
        {"type": "case", "kind": "phases", "operation": "op", "phase": "fuzzing", "status": 200,
         "checks": [["not_a_server_error", "passed"]]},
        {"type": "relaxed", "kind": "phases", "operation": "op", "phase": "fuzzing", "status": 404,
         "check": "unsupported_method", "divergence": "wrong-method-404", "subject": "s"},
        {"type": "failure", "kind": "phases", "operation": "op", "phase": "coverage", "status": 500,
         "check": "not_a_server_error", "title": "Server error", "subject": "s", "curl": "curl x"},
    ]
    data = report.build(events, [{"nodeid": "t", "when": "call", "outcome": "failed", "duration": 1,
                                  "message": "m"}], 1.0, 1)
    op = data["operations"]["op"]
    assert op["total_cases"] == 1 and op["relaxed"] == {"wrong-method-404": 1} and len(op["failures"]) == 1
    text = report.render_text(data)
    assert "[FAIL] op" in text and "reproduce: curl x" in text and "relaxed (wrong-method-404): 1" in text


def test_a_test_of_an_unserved_family_is_deselected_not_skipped(monkeypatch):
    from contract_tests import conftest as suite_conftest
    monkeypatch.setattr(specdoc, "target_versions", lambda: ["v0.0.42"])
    monkeypatch.setattr(specdoc, "test_document", lambda: {"paths": {"/slurm/v0.0.42/ping/": {}}})

    class Item:
        def __init__(self, family):
            self.family = family

        def get_closest_marker(self, name):
            return pytest.mark.family(self.family).mark if self.family else None

    assert suite_conftest._family_served(Item(None))
    assert suite_conftest._family_served(Item("slurm"))
    assert not suite_conftest._family_served(Item("slurmdb"))
