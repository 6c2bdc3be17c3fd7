"""Values of the wrong type, in bodies and queries, answered as real slurmrestd answers them.

Measured on real 26.05.5 (and the same on 24.11.5 where tried): compare the mock's answers with
`curl` runs against compose/native's forky chroot; the rules live in mockrestd/render/parser.py."""

import pytest

from mockrestd.render.parser import parse_timestamp

V = "/slurm/v0.0.44"
JOB = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}
MISMATCH_TASKS = ('Expected OpenAPI type=integer format=int32 (Slurm type=64 bit integer) but got OpenAPI '
                  'type=string (Slurm type=string): "two"')
UPDATE_REFUSED = "Rejecting request. Failure parsing job update request."


def _errors(r):
    return [(e["error_number"], e["source"], e["description"]) for e in r.json()["errors"]]


def _warnings(r):
    return [w["description"] for w in r.json()["warnings"]]


@pytest.fixture
def held(mock):
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "hold": True, "name": "orig"}})
    return r.json()["job_id"]


def test_update_with_an_unconvertible_value_is_refused_and_changes_nothing(mock, held):
    r = mock.post(f"{V}/job/{held}", json={"tasks": "two", "comment": "c2"})
    assert r.status_code == 422
    assert _errors(r) == [(9000, "_job_post_update", UPDATE_REFUSED)]
    assert _warnings(r) == [MISMATCH_TASKS]
    assert r.json()["results"] is None            # the key is there, null, as on success
    job = mock.job(held)[0]
    assert job["comment"] == "" and job["tasks"]["number"] == 1


def test_update_with_a_convertible_value_warns_and_applies(mock, held):
    r = mock.post(f"{V}/job/{held}", json={"name": 5})
    assert r.status_code == 200
    assert _warnings(r) == ["Expected OpenAPI type=string (Slurm type=string) but got OpenAPI type=integer "
                            "(Slurm type=64 bit integer): 5"]
    assert mock.job(held)[0]["name"] == "5"


@pytest.mark.parametrize("body, status, first", [
    ({"flags": 3}, 500, (9206, "#/flags/", "Expected a List but found a 64 bit integer")),
    ({"time_limit": "x"}, 500, (9202, "#/time_limit/", 'Expected integer but got "x"')),
    ({"begin_time": "x"}, 500, (9202, "#/begin_time/", "Parsing of x for timestamp failed")),
    ({"environment": "A=1"}, 500, (9208, "#/environment/", 'expected a list of strings but got "A=1"')),
])
def test_update_parser_errors_are_500_with_the_refusal_after_them(mock, held, body, status, first):
    r = mock.post(f"{V}/job/{held}", json=body)
    assert r.status_code == status
    assert _errors(r) == [first, (9000, "_job_post_update", UPDATE_REFUSED)]


def test_an_unknown_flag_in_a_body_is_9207_alone(mock, held):
    r = mock.post(f"{V}/job/{held}", json={"flags": ["NOPE"]})
    assert r.status_code == 500
    assert _errors(r) == [(9207, "#/flags[0]/", 'Unknown flag "NOPE"')]


def test_a_time_string_is_taken(mock, held):
    r = mock.post(f"{V}/job/{held}", json={"begin_time": "now+1hour"})
    assert r.status_code == 200, r.text


def test_submit_wrong_type_is_200_nothing_submitted_but_a_flags_integer_is_500(mock):
    before = len(mock.get(f"{V}/jobs/").json()["jobs"])
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "tasks": "two"}})
    assert r.status_code == 200 and "job_id" not in r.json()
    assert r.json()["warnings"][0]["source"] == "#/job/tasks/"
    r = mock.post(f"{V}/job/submit", json={"job": {**JOB, "flags": 3}})
    assert r.status_code == 500
    assert _errors(r) == [(9206, "#/job/flags/", "Expected a List but found a 64 bit integer")]
    assert len(mock.get(f"{V}/jobs/").json()["jobs"]) == before


def test_node_update_with_a_wrong_type_warns_and_changes_nothing(mock):
    r = mock.post(f"{V}/node/node1", json={"comment": {"a": 1}, "extra": "probe"})
    assert r.status_code == 200 and r.json()["errors"] == []
    assert _warnings(r) == ['Expected OpenAPI type=string (Slurm type=string) but got OpenAPI type=object '
                            '(Slurm type=dictionary): {"a":1}']
    assert mock.get(f"{V}/node/node1").json()["nodes"][0]["extra"] == ""


def test_slurmdb_lists_refuse_an_object_or_a_scalar(mock):
    r = mock.post("/slurmdb/v0.0.44/accounts/", json={"accounts": {"name": "x3", "description": "d",
                                                                    "organization": "o"}})
    assert r.status_code == 500 and _errors(r) == [(9208, "#/accounts/", "Expected List but found a dictionary")]
    r = mock.post("/slurmdb/v0.0.44/accounts/", json={"accounts": "x4"})
    assert r.status_code == 500
    assert _errors(r) == [(9209, "#/accounts[0]/", "Rejecting string when dictionary expected")]


def test_reservation_with_a_bad_start_time_is_422(mock):
    r = mock.post(f"{V}/reservation/", json={"name": "rx", "start_time": "x", "duration": 5,
                                             "node_list": "node1", "users": ["root"]})
    assert r.status_code == 422
    assert _errors(r) == [(9202, "#/start_time/", "Parsing of x for timestamp failed"),
                          (9000, "_parse_resv_desc", "Rejecting request. Failure parsing parameters")]


@pytest.mark.parametrize("path, status, source", [
    ("jobs/", 422, "op_handler_jobs"),
    ("nodes/", 500, "_dump_nodes"),
    ("node/node1", 500, "_dump_nodes"),
    ("partitions/", 500, "_partitions_get"),
    ("reservations/", 500, "_get_reservations"),
])
def test_a_bad_update_time_refuses_the_query(mock, path, status, source):
    r = mock.get(f"{V}/{path}?update_time=x")
    assert r.status_code == status
    assert [e[:2] for e in _errors(r)] == [(9202, "#/update_time/"), (9000, source)]
    assert _errors(r)[0][2] == "Parsing of x for timestamp failed"
    assert set(r.json()) == {"meta", "errors", "warnings"}          # no payload
    r = mock.get(f"{V}/{path}?update_time=")
    assert _errors(r)[0][2] == "Invalid or unset timestamp value"
    assert mock.get(f"{V}/{path}?update_time=0").status_code == 200


def test_parse_timestamp_takes_slurm_forms():
    assert parse_timestamp("1700000000") == 1700000000
    assert parse_timestamp("now", now=1000) == 1000
    assert parse_timestamp("now+1hour", now=1000) == 4600
    assert parse_timestamp("now-2minutes", now=1000) == 880
    assert parse_timestamp("2026-12-01T10:00:00") is not None
    assert parse_timestamp("x") is None and parse_timestamp("") is None


@pytest.mark.parametrize("path", ["nodes/", "partitions/", "partition/debug", "reservations/", "reservation/x"])
def test_an_update_time_after_every_change_is_304_with_no_body(mock, path):
    r = mock.get(f"{V}/{path}?update_time=4000000000")
    assert r.status_code == 304 and r.content == b"" and "content-type" not in r.headers
    assert mock.get(f"{V}/{path}?update_time=1").status_code != 304      # changed since then: the data


def test_jobs_list_after_every_change_is_an_empty_list(mock):
    mock.submit()
    r = mock.get(f"{V}/jobs/?update_time=4000000000")
    assert r.status_code == 200 and r.json()["jobs"] == []


@pytest.mark.parametrize("release, status", [("24.11.5", 500), ("25.11.7", 200), ("26.05.5", 200)])
def test_a_node_after_every_change_is_an_error_on_24_11_only(spec_set, key_file, release, status):
    from tests.support import MockHarness
    harness = MockHarness(spec_set, key_file, release=release)
    try:
        r = harness.get("/slurm/v0.0.42/node/node1?update_time=4000000000")
        assert r.status_code == status
        if status == 500:
            assert [(e["error_number"], e["description"]) for e in r.json()["errors"]] == \
                [(-1, "Unable to query partitions")]
            assert "nodes" not in r.json()
    finally:
        harness.close()


def test_flags_match_any_case_and_keep_the_spec_spelling(mock):
    r = mock.post("/slurmdb/v0.0.44/users/", user="root", json={"users": [{"name": "dora", "administrator_level": ["none"],
                                                              "default": {"account": "root"}}]})
    assert r.status_code == 200, r.text
    users = mock.get("/slurmdb/v0.0.44/user/dora", user="root").json()["users"]
    assert users[0]["administrator_level"] == ["None"]


def test_a_lone_surrogate_escape_becomes_u_fffd_as_json_c_makes_it(mock):
    """`"\\ud800"` with no partner decodes to a lone surrogate: json-c stores U+FFFD instead, so the job
    keeps a name that UTF-8 can carry, and every answer stays valid JSON (found by test_bad_input_fuzz)."""
    body = b'{"job": {"script": "#!/bin/bash\\nsleep 30", "environment": ["PATH=/bin"], ' \
           b'"current_working_directory": "/tmp", "name": "a\\ud800b", "\\udc00x": 1}}'
    r = mock.post(f"{V}/job/submit", content=body, headers={**mock.headers(), "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    r.content.decode("utf-8")
    assert any("\ufffdx" in w for w in _warnings(r)), "the unknown field is named with U+FFFD"
    assert mock.job(r.json()["job_id"])[0]["name"] == "a\ufffdb"
    r = mock.post(f"{V}/job/submit", content=body.replace(b'"a', b'"b'),
                  headers={**mock.headers(), "Content-Type": "application/yaml"})
    assert r.status_code == 200 and mock.job(r.json()["job_id"])[0]["name"] == "b\ufffdb"


def test_a_null_in_a_list_of_names_names_nothing(mock):
    """`[null]` where a list of names goes (found by test_bad_input_fuzz: each was a traceback)."""
    before = [n["state"] for n in mock.get(f"{V}/nodes/", user="root").json()["nodes"]]
    r = mock.post(f"{V}/nodes/", json={"name": [None], "state": ["DRAIN"], "reason": "x"}, user="root")
    assert r.status_code < 500 or r.json()["errors"][0]["error_number"] != -1, r.text
    assert [n["state"] for n in mock.get(f"{V}/nodes/", user="root").json()["nodes"]] == before
    r = mock.post("/slurmdb/v0.0.44/accounts_association/", user="root", json={
        "association_condition": {"accounts": [None, "chem"]}, "account": {"description": "d", "organization": "o"}})
    assert r.status_code == 200 and "chem" in r.json()["added_accounts"], r.text
    r = mock.post(f"{V}/reservations/", json={"reservations": None}, user="root")
    assert r.status_code == 200 and r.json()["reservations"] == [], r.text


def test_an_infinite_limit_in_an_association_condition_is_no_limit(mock):
    """`maxjobs: {infinite: true}` in accounts_association's condition was int(INFINITE), a traceback
    (found by the contract suite's fuzzing phase against the mock)."""
    r = mock.post("/slurmdb/v0.0.44/accounts_association/", user="root", json={
        "association_condition": {"accounts": ["inf"], "association": {
            "parent": "root", "maxjobs": {"set": True, "infinite": True, "number": 3}}},
        "account": {"description": "d", "organization": "o"}})
    assert r.status_code == 200, r.text
    [assoc] = mock.get("/slurmdb/v0.0.44/associations/?account=inf", user="root").json()["associations"]
    assert assoc["max"]["jobs"]["active"] == {"set": False, "infinite": True, "number": 0}
