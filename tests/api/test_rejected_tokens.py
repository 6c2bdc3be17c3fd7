"""A token slurmctld or slurmdbd refuses: every operation answers as its real handler does (issue #7 §1), and
a token lives in wall time, whatever the cluster clock does (issue #7 §2).

The rows measured on a real 25.11.7 are written out here a second time, from the issue's measurements, so
a wrong edit of the table (mockrestd/auth/refusals.py) fails; the derived rows are checked against the table
itself, for every operation of v0.0.44 and v0.0.41."""

import json
import re
import time

import jwt
import pytest

from mockrestd.auth.refusals import TABLE, lookup
from tests.support import MockHarness

# measured on real 25.11.7: status, payload keys besides meta/errors/warnings, (number, description, source)
MEASURED = {
    ("slurm", "get_jobs"): (511, {"jobs", "last_backfill", "last_update"},
                            (1007, "Unable to query jobs", "slurm_load_jobs()")),
    ("slurm", "get_job"): (511, {"jobs", "last_backfill", "last_update"},
                           (1007, "Unable to query JobId=1", "_handle_job_get")),
    ("slurm", "get_nodes"): (511, set(), (1007, "Failure to query nodes", "_dump_nodes")),
    ("slurm", "get_partitions"): (511, set(), None),
    ("slurm", "get_diag"): (511, set(), (1007, "slurm_get_statistics() failed to get slurmctld statistics",
                                         "op_handler_diag")),
    ("slurm", "get_licenses"): (511, {"last_update", "licenses"},
                                (1007, "slurm_load_licenses() was unable to load licenses", "op_handler_licenses")),
    ("slurm", "get_shares"): (500, set(), (-1, "slurm_associations_get_shares() failed: GET", "_dump_shares")),
    ("slurm", "post_job_submit"): (511, set(), (1007, "Batch job submission failed", "slurm_submit_batch_job()")),
    ("slurmdb", "get_accounts"): (502, set(), (7000, "Failed to open slurmdbd connection, authentication error",
                                               "openapi_get_db_conn")),
}
TEXTS = {1007: "Protocol authentication error", -1: "Unspecified error", 7000: "Unable to connect to database"}
PARAMS = {"job_id": "1", "node_name": "node1", "partition_name": "debug", "reservation_name": "maint",
          "account_name": "acct", "cluster_name": "linux", "qos": "normal", "name": "alice", "id": "1"}
BODIES = {"post_nodes": {"node_names": ["node1", "node2"], "state": ["DRAIN"]}}
COUNT = {"operations": 0}


def _bad_token():
    return jwt.encode({"sun": "alice", "iat": int(time.time()), "exp": int(time.time()) + 600}, b"k" * 32, "HS256")


def _send(mock, op, headers):
    path = re.sub(r"{(\w+)}", lambda m: PARAMS[m.group(1)], op.path)
    body = BODIES.get(op.name, {}) if op.method == "post" else None
    return mock.client.request(op.method.upper(), path, headers=headers, json=body)


def _expected(op, version_spec, profile):
    """(status, keys, error entry or None) the table and the profile give for this operation."""
    row = lookup(op.family, op.name, profile.refusals)
    if row is None:
        return None
    schema_keys = _schema_keys(version_spec, op)
    keys = set(row.keys) & schema_keys
    params = {**PARAMS, "node_names": "node1,node2"}
    entry = None if row.description is None else (row.rc, row.describe(params), row.source or op.name)
    return row.status or profile.status_for(row.rc), keys, entry


def _schema_keys(version_spec, op) -> set:
    schema = op.op["responses"].get("200", op.op["responses"].get("default", {}))
    schema = schema.get("content", {}).get("application/json", {}).get("schema", {})
    return set(version_spec.deref(schema).get("properties", {}))


def _check(r, expected):
    status, keys, entry = expected
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"] == "application/json"
    assert r.headers["connection"] == "Close"
    body = r.json()
    assert set(body) == keys | {"meta", "errors", "warnings"}, sorted(body)
    if entry is None:
        assert body["errors"] == []
    else:
        number, description, source = entry
        assert body["errors"] == [{"description": description, "error_number": number,
                                   "error": TEXTS[number], "source": source}]
    assert body["warnings"] == []
    return body


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.41"])
def test_every_operation_answers_a_refused_token_as_its_handler_does(mock, version):
    vs = mock.site.specs.versions[version]
    jobs_before = len(mock.cluster.jobs) if hasattr(mock.cluster, "jobs") else None
    token = _bad_token()
    seen = 0
    for op in sorted(vs.operations.values(), key=lambda o: o.operation_id):
        for headers in ({"X-SLURM-USER-TOKEN": token}, {"Authorization": f"Bearer {token}"}):
            r = _send(mock, op, headers)
            expected = _expected(op, vs, mock.site.profile)
            if expected is None:                       # ping: the controller is DOWN, 200
                assert op.name == "get_ping" and r.status_code == 200, r.text[:300]
                ping = r.json()["pings"][0]
                assert ping["pinged"] == "DOWN" and ping.get("responding", False) is False
                continue
            body = _check(r, expected)
            measured = MEASURED.get((op.family, op.name)) or (MEASURED[("slurmdb", "get_accounts")]
                                                               if op.family == "slurmdb" else None)
            if measured is not None:                   # the measurements, independent of the table
                assert (r.status_code, set(body) - {"meta", "errors", "warnings"}) == measured[:2], op.name
                got = [(e["error_number"], e["description"], e["source"]) for e in body["errors"]]
                assert got == ([] if measured[2] is None else [measured[2]]), op.name
        seen += 1
    COUNT["operations"] += seen
    assert seen == len(vs.operations) and seen >= 50
    if jobs_before is not None:
        assert len(mock.cluster.jobs) == jobs_before, "a refused submit must not queue a job"
    print(f"\nrefused-token answers checked: {seen} operations of {version}, both header styles")


def test_every_slurm_operation_has_a_row_of_its_own(spec_set):
    """No /slurm/ operation of v0.0.41-44 falls back to the catch-all row; /slurmdb/ ones share theirs."""
    names = {op.name for vs in spec_set.versions.values() for op in vs.operations.values() if op.family == "slurm"}
    assert names - set(TABLE) == {"get_ping"}
    for row in TABLE.values():
        assert row.evidence.startswith(("measured 25.11.7", "source ", "fallback"))


def test_empty_payload_values_are_dumped_as_the_real_daemon_dumps_them(mock):
    body = mock.get("/slurm/v0.0.44/jobs/", headers={"X-SLURM-USER-TOKEN": "garbage"}).json()
    assert body["jobs"] == []
    assert body["last_backfill"] == body["last_update"] == {"set": True, "infinite": False, "number": 0}
    body = mock.get("/slurm/v0.0.42/licenses/", headers={"X-SLURM-USER-TOKEN": "garbage"}).json()
    assert body["licenses"] == [] and body["last_update"]["number"] == 0


def test_a_refused_submit_or_update_changes_nothing(mock):
    job_id = mock.submit()
    token = {"X-SLURM-USER-TOKEN": _bad_token()}
    r = mock.post("/slurm/v0.0.44/job/submit", headers=token, json={"job": {
        "script": "#!/bin/bash\ntrue", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}})
    assert r.status_code == 511
    r = mock.post(f"/slurm/v0.0.44/job/{job_id}", headers=token, json={"comment": "changed"})
    assert r.status_code == 511 and r.json()["errors"][0]["description"] == "Job update requested failed"
    jobs = mock.get("/slurm/v0.0.44/jobs/").json()["jobs"]
    assert [j["job_id"] for j in jobs] == [job_id] and jobs[0]["comment"] != "changed"



# measured on real 22.05.8, v0.0.38, a token signed with another key: (status, keys, error entries)
_R2205 = {
    "ping": (500, {"meta", "errors"}, [{"description": "slurmctld config is unable to load", "error_number": -1,
                                         "error": "Unspecified error", "source": "slurm_load_ctl_conf"}]),
    "get_nodes": (500, {"meta", "errors", "nodes"}, [{"error": "Unspecified error", "errno": -1}]),
    "get_partitions": (500, {"meta", "errors", "partitions"}, [{"error": "Unspecified error", "errno": -1}]),
    "get_reservations": (500, {"meta", "errors", "reservations"}, [{"error": "Unspecified error", "errno": -1}]),
    "get_jobs": (500, {"meta", "errors", "jobs"}, [{"description": "Failed while looking for jobs",
                                                    "error_number": -1, "error": "Unspecified error",
                                                    "source": "slurm_load_jobs"}]),
    "diag": (500, {"meta", "errors", "statistics"}, [{"description": "request failed", "error_number": -1,
                                                      "error": "Unspecified error", "source": "slurm_get_statistics"}]),
    "slurmctld_get_licenses": (500, {"meta", "errors"}, [{"description": "slurmctld unable to load licenses",
                                                          "error_number": -1, "error": "Unspecified error",
                                                          "source": "slurm_load_licenses"}]),
}


def test_22_05_refuses_like_real_22_05_8(mock2205):
    """Real 22.05.8: every /slurm/ operation refuses a bad-signature token with 500 and -1, each handler
    with its own entry keys and payload; no `warnings` key at all."""
    h = {"X-SLURM-USER-TOKEN": _bad_token(), "X-SLURM-USER-NAME": "alice"}
    vs = mock2205.site.specs.versions["v0.0.38"]
    for op in vs.operations.values():
        if op.family != "slurm":
            continue
        r = _send(mock2205, op, h)
        assert r.status_code == 500, (op.name, r.text[:200])
        body = r.json()
        assert "warnings" not in body, op.name
        if op.name in _R2205:
            status, keys, errors = _R2205[op.name]
            assert (r.status_code, set(body), body["errors"]) == (status, keys, errors), (op.name, body)


def test_other_releases_keep_their_own_answers(shared_specs, key_file):
    from mockrestd.specs import load_specs
    specs = load_specs(shared_specs, only={"v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"})
    h = MockHarness(specs, key_file, release="26.05.5")
    try:
        r = h.get("/slurm/v0.0.45/jobs/", headers={"X-SLURM-USER-TOKEN": "garbage"})
        assert r.status_code == 511 and r.json()["errors"][0]["source"] == "slurm_load_jobs()"
        r = h.get("/slurm/v0.0.45/ping/", headers={"X-SLURM-USER-TOKEN": "garbage"})
        assert r.status_code == 200 and r.json()["pings"][0]["status"] == "Protocol authentication error"
    finally:
        h.close()


# ---- issue #7 §2: a token's lifetime is wall time ---------------------------------------------------------

def _clock(mock, **change):
    r = mock.client.post("/mockrestd/v1/clock", json=change)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.42"])
def test_a_frozen_clock_advanced_by_hours_does_not_expire_a_fresh_token(mock, version):
    token = mock.client.post("/mockrestd/v1/token", json={"username": "alice", "lifespan": 600}).json()["token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert abs(claims["iat"] - time.time()) < 5, "minted in wall time, not cluster time"
    start = _clock(mock, freeze=True)["now"]
    before = _clock(mock, advance=max(0, time.time() - start) + 6 * 3600)["now"]     # wall time + 6 h
    for path in (f"/slurm/{version}/jobs/", f"/slurmdb/{version}/accounts/"):
        r = mock.get(path, headers={"X-SLURM-USER-TOKEN": token})
        assert r.status_code == 200, r.text[:200]
    assert before > claims["exp"], "the cluster clock is past the token's exp: only wall time counts"


def test_a_fast_clock_does_not_shorten_a_token_and_wall_time_still_expires_it(mock):
    _clock(mock, speed=1000)
    alive = mock.token("alice", lifespan=2)
    assert mock.get("/slurm/v0.0.44/jobs/", headers={"X-SLURM-USER-TOKEN": alive}).status_code == 200
    time.sleep(3.1)             # 2 s of wall time: ~50 cluster minutes at speed 1000
    r = mock.get("/slurm/v0.0.44/jobs/", headers={"X-SLURM-USER-TOKEN": alive})
    assert r.status_code == 511 and r.json()["errors"][0]["error_number"] == 1007
    expired = mock.token("alice", lifespan=60, now=time.time() - 61)
    _clock(mock, freeze=True)
    assert mock.get("/slurm/v0.0.44/jobs/", headers={"Authorization": f"Bearer {expired}"}).status_code == 511


def test_a_clock_set_in_the_past_does_not_revive_an_expired_token(mock):
    expired = mock.token("alice", lifespan=60, now=time.time() - 3600)
    assert mock.cluster.clock.now() < time.time() - 3600       # the harness clock starts in 2025
    r = mock.get("/slurm/v0.0.41/nodes/", headers={"X-SLURM-USER-TOKEN": expired})
    assert r.status_code == 511 and json.loads(r.text)["errors"][0]["description"] == "Failure to query nodes"
