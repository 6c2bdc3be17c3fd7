"""contract_tests/shape.py: one v0.0.4x scenario body fits each version's request schema, and the
differential's disagreements listed in divergences.toml are relaxed on their release only."""

import json

from contract_tests import differential, shape


def _doc(shared_specs, name):
    return json.loads((shared_specs / name).read_text())


def _submit_schema(doc, version):
    return doc["paths"][f"/slurm/{version}/job/submit"]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_v0038_body_is_reshaped_by_its_schema(shared_specs):
    doc = _doc(shared_specs, "slurm-22.05.8-openapi-v3.json")
    body = shape.shape({"job": differential._desc()}, _submit_schema(doc, "v0.0.38"), doc)
    assert body["script"].startswith("#!/bin/bash") and "script" not in body["job"]
    assert body["job"]["environment"] == {"PATH": "/bin:/usr/bin"}
    assert body["job"]["time_limit"] == 5 and body["job"]["memory_per_node"] == 100


def test_v0044_body_is_left_as_written(shared_specs):
    doc = _doc(shared_specs, "slurm-v0.0.44.json")
    desc = differential._desc()
    assert shape.shape({"job": desc}, _submit_schema(doc, "v0.0.44"), doc) == {"job": desc}


def test_listed_disagreement_is_relaxed_on_its_release_only(monkeypatch):
    monkeypatch.setattr(differential, "operation_for", lambda method, path: "slurm_v0_0_38_submit_job")
    step = differential.Step("submit wrong type", "POST", "/slurm/{v}/job/submit", {})
    diff = {"step": step.name, "what": "status", "path": None, "real": 400, "mock": 200}
    assert differential.known(dict(diff), step, "v0.0.38", "22.05.8")
    assert not differential.known(dict(diff), step, "v0.0.38", "25.11.7")
    other = dict(diff, what="keys only in real")
    assert not differential.known(other, step, "v0.0.38", "22.05.8")
