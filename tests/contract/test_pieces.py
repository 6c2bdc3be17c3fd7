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
    bad.write_text('[[divergence]]\nid = "x"\ncheck = "nonsense"\noperations = ["*"]\nevidence = "e"\n'
                   'releases = ["25.11.*"]\n')
    with pytest.raises(ValueError, match="unknown check"):
        divergences.Table.load(bad)
    bad.write_text('[[divergence]]\nid = "x"\ncheck = "unsupported_method"\noperations = ["*"]\n'
                   'releases = ["25.11.*"]\n')
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
    # 22.05's names for the same writes (it answered them, and one config load corrupted its heap)
    for oid in ("slurmdb_v0_0_38_set_config", "slurmdb_v0_0_38_update_associations", "slurmdb_v0_0_38_update_users",
                "slurmdb_v0_0_38_update_account", "slurmdb_v0_0_38_update_qos", "slurmdb_v0_0_38_update_tres",
                "slurmdb_v0_0_38_add_clusters", "slurmdb_v0_0_38_add_wckeys", "slurmdb_v0_0_38_delete_user"):
        assert specdoc.is_destructive(oid), oid
    assert not specdoc.is_destructive("slurm_v0_0_38_update_job") and not specdoc.is_destructive("slurm_v0_0_38_submit_job")


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


def test_every_divergence_names_the_releases_where_it_was_seen():
    table = divergences.Table.load()
    for d in table.entries:
        assert d.releases, d.id
    by_id = {d.id: d for d in table.entries}
    for name in ("slurmdb-bad-filter-500", "slurmdb-bad-filter-500-no-payload"):    # seen on real 25.11.7
        assert "25.11.*" in by_id[name].releases and "26.05.*" in by_id[name].releases
    assert table.find(["not_a_server_error"], "slurmdb_v0044_get_qos", 500, "Server error: ", "25.11.7").id == \
        "slurmdb-bad-filter-500"
    assert table.find(["not_a_server_error"], "slurmdb_v0044_get_qos", 500, "Server error: ", "24.11.5") is None
    bad = "[[divergence]]\nid = 'x'\ncheck = 'unsupported_method'\noperations = ['*']\nevidence = 'e'\n"
    with pytest.raises(ValueError, match="releases"):
        divergences.Table.load(_write(bad))


def _write(text):
    import tempfile
    f = tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False)
    f.write(text)
    f.close()
    return f.name


def test_a_crasher_is_withheld_on_every_release_not_shown_fixed_and_every_version():
    table = divergences.Table.load()
    q = {"only_defaults": "", "usage_end": "x"}
    for oid in ("slurmdb_v0043_get_wckeys", "slurmdb_v0044_get_wckeys", "slurmdb_v0045_get_wckeys"):
        for release in ("25.11.7", "26.05.5", "24.11.5", "unknown", None, "27.05.0"):
            hit = table.crash(oid, q, release)
            assert hit is not None and hit.id == "wckeys-only-defaults-bad-usage-time", (oid, release)
    assert table.crash("slurmdb_v0044_get_wckeys", {"usage_end": "x"}, "25.11.7") is None
    assert table.crash("slurmdb_v0044_get_wckeys", {"only_defaults": ""}, "25.11.7") is None
    assert table.crash("slurmdb_v0044_get_wckeys", q, "25.11.7").safe_query(q) == {"only_defaults": ""}
    # the accounting job update without job_rec: not sent at all (nothing to drop)
    for body in (None, {}, {"job_id_list": ["1"]}, [1], "x"):
        hit = table.crash("slurmdb_v0044_post_jobs", None, "25.11.7", body)
        assert hit is not None and hit.id == "slurmdb-jobs-update-without-job-rec" and hit.safe_query({}) is None
    assert table.crash("slurmdb_v0044_post_jobs", None, "25.11.7", {"job_rec": {}}) is None


def test_a_22_05_accounting_job_id_that_starts_with_no_digit_is_withheld():
    """22.05.8's slurmrestd exits on /slurmdb/v0.0.38/job/abc (fatal in slurm_addto_step_list)."""
    table = divergences.Table.load()
    for job_id in ("abc", "-1", "\u00e9", " 1"):
        hit = table.crash("slurmdb_v0_0_38_get_job", {}, "22.05.8", path_params={"job_id": job_id})
        assert hit is not None and hit.id == "slurmdb-job-id-not-a-number" and hit.safe_query({}) is None
    for job_id in ("1", "1_2", "1.batch", "12abc"):
        assert table.crash("slurmdb_v0_0_38_get_job", {}, "22.05.8", path_params={"job_id": job_id}) is None
    assert table.crash("slurmdb_v0044_get_job", {}, "25.11.7", path_params={"job_id": "abc"}) is None


def test_a_22_05_job_with_a_null_argv_is_withheld():
    """22.05.8's slurmrestd segfaults on `argv: null` in a job description, at submit and at update."""
    table = divergences.Table.load()
    assert table.crash("slurm_v0_0_38_submit_job", {}, "22.05.8", {"script": "", "job": {"argv": None}}).id == \
        "job-argv-null"
    assert table.crash("slurm_v0_0_38_update_job", {}, "22.05.8", {"argv": None}).id == "job-argv-null"
    for body in ({"job": {"argv": []}}, {"job": {}}, {"argv": ["a"]}, None, [None]):
        assert table.crash("slurm_v0_0_38_submit_job", {}, "22.05.8", body) is None, body


def test_fixed_in_releases_get_the_request_and_old_style_entries_are_refused():
    entry = ("[[crash]]\nid = 'c'\noperations = ['slurmdb_v*_get_wckeys']\nquery_all = ['a']\n"
             "evidence = 'e'\nprobe = {method = 'GET', path = '/slurmdb/{v}/wckeys/', query = 'a'}\n")
    table = divergences.Table.load(_write(entry + "fixed_in = ['26.11.*']\n"))
    assert table.crash("slurmdb_v0044_get_wckeys", {"a": "1"}, "26.11.0") is None
    assert table.crash("slurmdb_v0044_get_wckeys", {"a": "1"}, "26.05.5") is not None
    with pytest.raises(ValueError, match="fixed_in"):
        divergences.Table.load(_write(entry + "releases = ['26.05.*']\n"))
    with pytest.raises(ValueError, match="probe"):
        divergences.Table.load(_write(entry.replace("probe =", "x =")))


def test_withholding_on_a_real_target(monkeypatch):
    """The hook drops the crashing parameters, or rejects the example when nothing can be dropped."""
    from hypothesis.errors import UnsatisfiedAssumption

    from contract_tests import conformance, recorder

    class FakeTarget:
        is_mock = False

        def release(self):
            return "unknown"

    class Op:
        label = "x"

        class definition:
            raw = {}

    def case(oid, query, body=None):
        c = type("Case", (), {})()
        c.operation = Op()
        c.operation.definition = type("D", (), {"raw": {"operationId": oid}})()
        c.query, c.body, c.meta = query, body, None
        return c

    monkeypatch.setattr(conformance, "get_target", lambda: FakeTarget())
    recorder.drain()
    c = case("slurmdb_v0043_get_wckeys", {"only_defaults": "x", "usage_start": "y", "cluster": "c"})
    conformance._withhold_crashers(c)
    assert c.query == {"only_defaults": "x", "cluster": "c"}
    with pytest.raises(UnsatisfiedAssumption):
        conformance._withhold_crashers(case("slurmdb_v0044_post_jobs", {}, {"job_id_list": ["1"]}))
    untouched = case("slurmdb_v0044_post_jobs", {}, {"job_rec": {"comment": "x"}})
    conformance._withhold_crashers(untouched)
    events = [e for e in recorder.drain() if e["type"] == "withheld"]
    assert [e["how"] for e in events] == ["sent without usage_start, usage_end", "not sent"]
