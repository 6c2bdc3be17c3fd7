"""Every operation of every served version answers with real data in its spec's shape, or a real error.

One request per operation (as root, on a cluster with a finished, a running and a pending job), the answer
validated against the operation's response schema from the normalised spec. Only the divergences listed in
`contract_tests/divergences.toml` are relaxed (jobs/state's shape, null job_resources/results)."""

import json

import pytest
from jsonschema import Draft4Validator

from tests.support import MockHarness

VERSIONS = ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44")
JOB = {"script": "#!/bin/bash\nsleep 100", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}

# operation name -> (path params, query, body, acceptable statuses); `{job}` etc. filled from the seeded state
REQUESTS = {
    ("slurm", "get_ping"): ({}, "", None, {200}),
    ("slurm", "get_diag"): ({}, "", None, {200}),
    ("slurm", "get_licenses"): ({}, "", None, {200}),
    ("slurm", "get_shares"): ({}, "", None, {200}),
    ("slurm", "get_reconfigure"): ({}, "", None, {200}),
    ("slurm", "post_job_submit"): ({}, "", {"job": JOB}, {200}),
    ("slurm", "post_job_allocate"): ({}, "", {"job": {**JOB, "script": None}}, {200}),
    ("slurm", "get_jobs"): ({}, "", None, {200}),
    ("slurm", "delete_jobs"): ({}, "", {"jobs": ["{pending}"]}, {200}),
    ("slurm", "get_jobs_state"): ({}, "?job_id={running}", None, {200}),
    ("slurm", "get_job"): ({"job_id": "{running}"}, "", None, {200}),
    ("slurm", "post_job"): ({"job_id": "{pending}"}, "", {"comment": "hello"}, {200}),
    ("slurm", "delete_job"): ({"job_id": "{running}"}, "", None, {200}),
    ("slurm", "get_nodes"): ({}, "", None, {200}),
    ("slurm", "post_nodes"): ({}, "", {"name": ["node4"], "state": ["DRAIN"], "reason": "test"}, {200}),
    ("slurm", "get_node"): ({"node_name": "node1"}, "", None, {200}),
    ("slurm", "post_node"): ({"node_name": "node3"}, "", {"comment": "hi"}, {200}),
    ("slurm", "delete_node"): ({"node_name": "extra1"}, "", None, {200}),
    ("slurm", "post_new_node"): ({}, "", {"node_conf": "NodeName=extra2 CPUs=2 RealMemory=1000 State=CLOUD"}, {200}),
    ("slurm", "get_partitions"): ({}, "", None, {200}),
    ("slurm", "get_partition"): ({"partition_name": "debug"}, "", None, {200}),
    ("slurm", "get_reservations"): ({}, "", None, {200}),
    ("slurm", "get_reservation"): ({"reservation_name": "maint"}, "", None, {200}),
    ("slurm", "post_reservation"): ({}, "", {"name": "r2", "start_time": "{future}", "duration": 60,
                                            "node_list": "gpu1", "users": ["alice"]}, {200}),
    ("slurm", "post_reservations"): ({}, "", {"reservations": [{"name": "r3", "start_time": "{future2}",
                                             "duration": 60, "node_list": "gpu1", "users": ["bob"]}]}, {200}),
    ("slurm", "delete_reservation"): ({"reservation_name": "maint"}, "", None, {200}),
    ("slurm", "get_resources"): ({"job_id": "{running}"}, "", None, {200}),
    ("slurmdb", "get_job"): ({"job_id": "{done}"}, "", None, {200}),
    ("slurmdb", "post_job"): ({"job_id": "{done}"}, "", {"comment": {"administrator": "x"}}, {200}),
    ("slurmdb", "get_jobs"): ({}, "", None, {200}),
    ("slurmdb", "post_jobs"): ({}, "", {"job_id_list": ["{done}"], "job_rec": {"comment": {"job": "y"}}}, {200}),
    ("slurmdb", "get_config"): ({}, "", None, {200}),
    ("slurmdb", "post_config"): ({}, "", {"accounts": [{"name": "cfgacct", "description": "d",
                                                        "organization": "o"}]}, {200}),
    ("slurmdb", "get_tres"): ({}, "", None, {200}),
    ("slurmdb", "post_tres"): ({}, "", {"TRES": [{"type": "cpu"}]}, {200, 422, 500}),
    ("slurmdb", "get_qos"): ({}, "", None, {200}),
    ("slurmdb", "post_qos"): ({}, "", {"qos": [{"name": "newqos"}]}, {200}),
    ("slurmdb", "get_single_qos"): ({"qos": "normal"}, "", None, {200}),
    ("slurmdb", "delete_single_qos"): ({"qos": "high"}, "", None, {200}),
    ("slurmdb", "get_associations"): ({}, "", None, {200}),
    ("slurmdb", "post_associations"): ({}, "", {"associations": [{"account": "biology", "user": "carol",
                                                                  "cluster": "mock"}]}, {200}),
    ("slurmdb", "delete_associations"): ({}, "?account=biology&user=bob", None, {200}),
    ("slurmdb", "get_association"): ({}, "?account=physics&user=alice", None, {200}),
    ("slurmdb", "delete_association"): ({}, "?account=default&user=alice", None, {200}),
    ("slurmdb", "get_instances"): ({}, "", None, {200}),
    ("slurmdb", "get_instance"): ({}, "", None, {200}),
    ("slurmdb", "get_user"): ({"name": "alice"}, "", None, {200}),
    ("slurmdb", "delete_user"): ({"name": "carol"}, "", None, {200}),
    ("slurmdb", "post_users"): ({}, "", {"users": [{"name": "erin"}]}, {200}),
    ("slurmdb", "get_users"): ({}, "", None, {200}),
    ("slurmdb", "post_users_association"): ({}, "", {"association_condition": {"accounts": ["physics"],
                                                     "users": ["user{v}"]}, "user": {}}, {200}),
    ("slurmdb", "get_cluster"): ({"cluster_name": "mock"}, "", None, {200}),
    ("slurmdb", "delete_cluster"): ({"cluster_name": "other"}, "", None, {200}),
    ("slurmdb", "get_clusters"): ({}, "", None, {200}),
    ("slurmdb", "post_clusters"): ({}, "", {"clusters": [{"name": "other"}]}, {200}),
    ("slurmdb", "get_wckey"): ({"id": "wk1"}, "", None, {200}),
    ("slurmdb", "delete_wckey"): ({"id": "wk1"}, "", None, {200}),
    ("slurmdb", "get_wckeys"): ({}, "", None, {200}),
    ("slurmdb", "post_wckeys"): ({}, "", {"wckeys": [{"name": "wk1", "user": "alice", "cluster": "mock"}]}, {200}),
    ("slurmdb", "get_account"): ({"account_name": "physics"}, "", None, {200}),
    ("slurmdb", "delete_account"): ({"account_name": "cfgacct2"}, "", None, {200}),
    ("slurmdb", "post_accounts_association"): ({}, "", {"association_condition": {"accounts": ["acct{v}"],
                                                        "association": {"comment": "c"}},
                                                        "account": {"description": "d", "organization": "o"}},
                                               {200}),
    ("slurmdb", "get_accounts"): ({}, "", None, {200}),
    ("slurmdb", "post_accounts"): ({}, "", {"accounts": [{"name": "chem", "description": "d",
                                                          "organization": "o"}]}, {200}),
    ("slurmdb", "get_diag"): ({}, "", None, {200}),
    ("slurmdb", "get_ping"): ({}, "", None, {200}),
    # v0.0.45 (26.05), and /util/ (in 26.05's own document)
    ("slurm", "get_conf"): ({}, "", None, {200}),
    ("slurmdb", "get_conf"): ({}, "", None, {200}),
    ("slurm", "get_job_requeue"): ({"job_id": "{running}"}, "", None, {200}),
    ("slurm", "post_jobs_requeue"): ({}, "", {"jobs": ["{done}"]}, {200}),
    ("slurm", "post_partitions"): ({}, "", {"partitions": [{"name": "extra", "nodes": {"configured": "node1"}}]},
                                   {200}),
    ("slurm", "delete_partition"): ({"partition_name": "extrap"}, "", None, {200}),
    ("util", "post_hostnames"): ({}, "", {"hostlist": "node[1-3]"}, {200}),
    ("util", "post_hostlist"): ({}, "", {"hostnames": ["node1", "node2"]}, {200}),
}

# order matters for the ones that need what an earlier one made
ORDER = ["post_wckeys", "post_clusters", "post_accounts_association", "post_new_node"]


def _openapi_to_jsonschema(node):
    """OpenAPI 3.0 `nullable` → JSON-schema type lists, so jsonschema can check the answers."""
    if isinstance(node, dict):
        out = {k: _openapi_to_jsonschema(v) for k, v in node.items()}
        if out.pop("nullable", False) and "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out and node.get("nullable"):
            out = {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    return node


# (release profile, API version): 25.11 from the per-version files, 26.05 from its daemon's own document
SERVED = [("25.11.7", v) for v in VERSIONS] + [("26.05.5", v) for v in ("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")]


@pytest.fixture(scope="module")
def specs_for(shared_specs):
    from mockrestd.http.app import served_specs
    cache = {}

    def get(release):
        if release not in cache:
            cache[release] = served_specs(shared_specs, release.rsplit(".", 1)[0])[1]
        return cache[release]
    return get


def _seed(h, version):
    done = h.submit(JOB, script="#!/bin/bash\nsleep 1", user="root", version=version)
    h.advance(15)
    running = h.submit(JOB, user="root", version=version)
    h.advance(2)
    pending = h.submit(JOB, user="root", version=version, hold=True)
    now = int(h.clock.now())
    h.cluster.create_reservation({"name": "maint", "start_time": now + 86400, "duration": 60,
                                  "node_list": "node2", "users": ["root"]}, as_user="root")
    h.cluster.create_node("NodeName=extra1 CPUs=2 RealMemory=1000 State=CLOUD", as_user="root")
    h.cluster.accounting.add_accounts([{"name": "cfgacct2", "description": "d", "organization": "o"}],
                                      as_user="root")
    h.cluster.update_partitions([{"name": "extrap", "nodes": {"configured": "node2"}}], as_user="root")
    return {"done": done, "running": running, "pending": pending, "future": now + 2 * 86400,
            "future2": now + 3 * 86400, "v": version.replace(".", "")}


def _fill(value, seed):
    text = json.dumps(value)
    for key, v in seed.items():
        text = text.replace('"{%s}"' % key, str(v)).replace("{%s}" % key, str(v))
    return json.loads(text)


@pytest.mark.parametrize("release,version", SERVED)
def test_every_operation_answers_in_its_schema(specs_for, tmp_path, release, version):
    spec_set = specs_for(release)
    assert spec_set.versions[version].release == release or release == "25.11.7"
    key = tmp_path / "key"
    key.write_bytes(b"k" * 32)
    harness = MockHarness(spec_set, key, release=release)
    vs = spec_set.versions[version]
    seed = _seed(harness, version)
    ops = sorted(vs.operations.values(), key=lambda o: (o.name not in ORDER, ORDER.index(o.name)
                                                        if o.name in ORDER else 0,
                                                        o.name.startswith("delete") or "requeue" in o.name))
    doc = _openapi_to_jsonschema(vs.document)
    failures = []
    for op in ops:
        key = (op.family, op.name)
        assert key in REQUESTS, f"no example request for {op.operation_id}"
        params, query, body, ok = REQUESTS[key]
        path = op.path
        for name, value in _fill(params, seed).items():
            path = path.replace("{" + name + "}", str(value))
        r = harness.request(op.method.upper(), path + _fill(query, seed), user="root",
                            json=_fill(body, seed) if body is not None else None)
        if r.status_code not in ok:
            failures.append(f"{op.operation_id}: {r.status_code} {r.text[:300]}")
            continue
        assert r.headers["content-type"] == "application/json", op.operation_id
        data = r.json()
        if op.name == "get_jobs_state":      # listed divergence: real shape differs from the spec
            assert all(set(j) == {"job_id", "state"} for j in data["jobs"])
            continue
        schema = op.op["responses"]["200"]["content"]["application/json"]["schema"]
        validator = Draft4Validator({**schema, "components": doc["components"]})
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        if errors:
            failures.append(f"{op.operation_id}: {errors[0].message[:200]} at {list(errors[0].path)}")
        if r.status_code == 200 and data.get("errors"):
            failures.append(f"{op.operation_id}: errors {data['errors']}")
    harness.close()
    assert not failures, "\n".join(failures)
