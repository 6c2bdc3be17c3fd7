"""One test per normalise rule: a tiny document showing the defect, and the real document without it."""

from __future__ import annotations

import copy
import importlib
import json

import pytest
from openapi_schema_validator import OAS30Validator

from mockrestd.specs import param_python_name

N = importlib.import_module("mockrestd.specs.normalise")   # the module (the package exports the function)

from ._shared import LIVE_2205, LIVE_2411, LIVE_2605, raw


def _doc(schemas=None, paths=None):
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths or {},
            "components": {"schemas": schemas or {}}}


def _v44():
    return raw("slurm-v0.0.44.json")


def test_rules_are_named_documented_functions():
    assert len(N.RULES) == len({r.__name__ for r in N.RULES})
    for rule in N.RULES:
        assert rule.__doc__ and len(rule.__doc__) > 40, rule.__name__


def test_normalise_returns_a_copy_and_leaves_input_alone():
    doc = _v44()
    before = json.dumps(doc, sort_keys=True)
    fixed = N.normalise(doc)
    assert json.dumps(doc, sort_keys=True) == before
    assert fixed is not doc and fixed["components"] is not doc["components"]


def test_normalise_in_place_edits_and_returns_the_document_itself():
    doc = _v44()
    fixed = N.normalise(doc, in_place=True)
    assert fixed is doc
    assert '"required": []' not in json.dumps(doc)


@pytest.mark.parametrize("name", ["slurm-v0.0.41.json", "slurm-v0.0.44.json", "slurm-v0.0.45.json", LIVE_2205,
                                  LIVE_2411, LIVE_2605])
def test_one_walk_gives_what_the_rules_give_one_by_one(name):
    """normalise() runs the per-dict rules together in one walk; the result must be exactly (values and key
    order) what running RULES one after the other, each over the whole document, gives."""
    real = raw(name)
    one_by_one = copy.deepcopy(real)
    for rule in N.RULES:
        rule(one_by_one)
    fused = N.normalise(real)
    assert json.dumps(fused) == json.dumps(one_by_one)
    assert json.dumps(fused) != json.dumps(real)          # (there was something to fix)


def test_per_dict_rules_walk_nested_lists_and_leave_other_dicts_alone():
    doc = _doc({"a": {"type": "object", "allOf": [[{"required": []}], {"type": "integer", "format": "int32"}],
                      "properties": {"b": {"type": "integer", "format": "double"}}}})
    N.normalise(doc, in_place=True)
    a = doc["components"]["schemas"]["a"]
    assert a["allOf"] == [[{}], {"type": "integer", "x-slurm-format": "int32"}]
    assert a["properties"]["b"] == {"type": "integer", "format": "double"}


def test_drop_empty_required():
    doc = _doc({"a": {"type": "object", "required": [], "properties": {"x": {"type": "string"}}}},
               {"/p": {"get": {"parameters": [{"name": "q", "in": "query", "required": True,
                                               "schema": {"type": "string"}}], "responses": {}}}})
    N.drop_empty_required(doc)
    assert "required" not in doc["components"]["schemas"]["a"]
    assert doc["paths"]["/p"]["get"]["parameters"][0]["required"] is True    # booleans untouched
    real = _v44()
    assert '"required": []' in json.dumps(real)
    assert '"required": []' not in json.dumps(N.normalise(real))


def test_drop_slash_required():
    doc = _doc({"r": {"type": "object", "required": ["nodes/count", "cpus"], "properties": {"cpus": {}}},
                "s": {"type": "object", "required": ["error/string"]}})
    N.drop_slash_required(doc)
    assert doc["components"]["schemas"]["r"]["required"] == ["cpus"]
    assert "required" not in doc["components"]["schemas"]["s"]
    real = _v44()
    assert any("/" in r for r in real["components"]["schemas"]["v0.0.44_job_res"]["required"])
    fixed = N.normalise(real)

    def slashes(node):
        if isinstance(node, dict):
            req = node.get("required")
            found = isinstance(req, list) and any("/" in r for r in req)
            return found or any(slashes(v) for v in node.values())
        return isinstance(node, list) and any(slashes(v) for v in node)
    assert not slashes(fixed)


def test_widen_integers():
    doc = _doc({"t": {"type": "object", "properties": {
        "end_time": {"type": "integer", "format": "int64"}, "n": {"type": "integer", "format": "int32"},
        "f": {"type": "number", "format": "double"}, "format": {"type": "string"}}}})
    N.widen_integers(doc)
    props = doc["components"]["schemas"]["t"]["properties"]
    # the declared format moves aside: validators ignore it, the parser's warnings still name it
    assert props["end_time"] == {"type": "integer", "x-slurm-format": "int64"}
    assert props["n"] == {"type": "integer", "x-slurm-format": "int32"}
    assert props["f"]["format"] == "double" and props["format"] == {"type": "string"}
    fixed = N.normalise(_v44())
    text = json.dumps(fixed)
    assert '"format": "int32"' not in text and '"format": "int64"' not in text
    no_val = fixed["components"]["schemas"]["v0.0.44_uint32_no_val_struct"]["properties"]["number"]
    assert no_val["type"] == "integer"
    OAS30Validator(no_val, format_checker=OAS30Validator.FORMAT_CHECKER).validate(4294967294)


def test_nullable_null_answers():
    doc = _doc({"x_job_info": {"type": "object", "properties": {
                    "job_resources": {"$ref": "#/components/schemas/x_job_res", "description": "Resources"}}},
                "x_job_res": {"type": "object", "properties": {"nodes": {"type": "string"}}},
                "x_openapi_job_post_response": {"type": "object", "properties": {
                    "results": {"type": "array", "items": {"type": "string"}}}}})
    N.nullable_null_answers(doc)
    s = doc["components"]["schemas"]
    jr = s["x_job_info"]["properties"]["job_resources"]
    assert jr["nullable"] is True and jr["type"] == "object" and jr["description"] == "Resources"
    assert "$ref" not in jr and "nullable" not in s["x_job_res"]          # the shared target stays strict
    assert s["x_openapi_job_post_response"]["properties"]["results"]["nullable"] is True
    # the real documents: a pending job's null job_resources and an update's null results now validate
    for name, owner, prop in [("slurm-v0.0.44.json", "v0.0.44_job_info", "job_resources"),
                              ("slurm-v0.0.41.json", "v0.0.41_job_info", "job_resources"),
                              ("slurm-v0.0.44.json", "v0.0.44_openapi_job_post_response", "results"),
                              (LIVE_2205, "v0.0.38_job_response_properties", "job_resources")]:
        real = raw(name)
        fixed = N.normalise(real)
        schema = copy.deepcopy(fixed)
        schema.update({"$ref": f"#/components/schemas/{owner}"})
        OAS30Validator(schema).validate({prop: None})
        with pytest.raises(Exception):
            strict = copy.deepcopy(real)
            strict.update({"$ref": f"#/components/schemas/{owner}"})
            OAS30Validator(strict).validate({prop: None})


def test_drop_bad_path_item_keys():
    doc = _doc(paths={"/a": {"get": {"responses": {}}, "servers": [{"url": "/"}], "x-ok": 1,
                             "dbv0.0.38_tres_update": {"type": "object"}}})
    N.drop_bad_path_item_keys(doc)
    assert set(doc["paths"]["/a"]) == {"get", "servers", "x-ok"}
    real = raw(LIVE_2205)
    assert "dbv0.0.38_tres_update" in real["paths"]["/slurmdb/v0.0.38/accounts"]
    assert "dbv0.0.38_tres_update" not in N.normalise(real)["paths"]["/slurmdb/v0.0.38/accounts"]


def test_fix_default_types():
    doc = _doc({"t": {"type": "object", "properties": {
        "a": {"type": "boolean", "default": "false"}, "b": {"type": "boolean", "default": 0.0},
        "c": {"type": "integer", "default": "7"}, "d": {"type": "integer", "default": "x"},
        "e": {"type": "boolean", "default": True}}}})
    N.fix_default_types(doc)
    p = doc["components"]["schemas"]["t"]["properties"]
    assert p["a"]["default"] is False and p["b"]["default"] is False and p["c"]["default"] == 7
    assert "default" not in p["d"] and p["e"]["default"] is True
    s2205 = N.normalise(raw(LIVE_2205))["components"]["schemas"]
    assert s2205["v0.0.38_job_properties"]["properties"]["oversubscribe"]["default"] is False
    s2411 = N.normalise(raw(LIVE_2411))["components"]["schemas"]
    assert s2411["v0.0.40_uint32_no_val"]["properties"]["infinite"]["default"] is False
    assert raw(LIVE_2411)["components"]["schemas"]["v0.0.40_uint32_no_val"]["properties"]["infinite"]["default"] == 0


def test_fix_query_param_style():
    doc = _doc(paths={"/a/{id}": {"get": {"parameters": [
        {"name": "update_time", "in": "query", "style": "simple", "explode": False, "schema": {"type": "integer"}},
        {"name": "id", "in": "path", "required": True, "style": "simple", "schema": {"type": "string"}}],
        "responses": {}}}})
    N.fix_query_param_style(doc)
    q, p = doc["paths"]["/a/{id}"]["get"]["parameters"]
    assert q["style"] == "form" and p["style"] == "simple"
    real = N.normalise(raw(LIVE_2205))
    params = real["paths"]["/slurm/v0.0.37/jobs"]["get"]["parameters"]
    assert [p["style"] for p in params if p["name"] == "update_time"] == ["form"]


def test_unique_operation_ids():
    doc = _doc(paths={
        "/slurm/v0.0.36/job/{job_id}": {"get": {"operationId": "slurmctld_get_job", "responses": {}}},
        "/slurm/v0.0.37/job/{job_id}": {"get": {"operationId": "slurmctld_get_job", "responses": {}}},
        "/slurm/v0.0.37/ping": {"get": {"operationId": "slurmctld_ping", "responses": {}}},
        "/slurm/v0.0.44/ping/": {"get": {"operationId": "slurm_v0044_get_ping", "responses": {}}},
        "/slurmdb/v0.0.37/diag": {"get": {"responses": {}}},
        "/openapi/v3": {"get": {"responses": {}}}})
    N.unique_operation_ids(doc)
    ids = {p: item["get"].get("operationId") for p, item in doc["paths"].items()}
    assert ids == {"/slurm/v0.0.36/job/{job_id}": "slurm_v0036_get_job",
                   "/slurm/v0.0.37/job/{job_id}": "slurm_v0037_get_job",
                   "/slurm/v0.0.37/ping": "slurm_v0037_ping",
                   "/slurm/v0.0.44/ping/": "slurm_v0044_get_ping",
                   "/slurmdb/v0.0.37/diag": "slurmdb_v0037_get_diag",
                   "/openapi/v3": None}
    assert doc["paths"]["/slurm/v0.0.36/job/{job_id}"]["get"]["x-mockrestd-original-operationId"] == \
        "slurmctld_get_job"
    real = raw(LIVE_2205)
    before = [o.get("operationId") for item in real["paths"].values() for m, o in item.items() if m == "get"]
    assert len(before) != len(set(before))
    fixed = N.normalise(real)
    after = [o["operationId"] for p, item in fixed["paths"].items() if not p.startswith("/openapi")
             for m, o in item.items() if m in N.HTTP_METHODS]
    assert len(after) == len(set(after)) == 129


@pytest.mark.parametrize("oid, name", [
    ("slurm_v0044_get_job", "get_job"), ("slurmdb_v0044_post_job", "post_job"),
    ("util_v0045_post_hostlist", "post_hostlist"), ("slurm_v0_0_38_slurmctld_get_licenses", "get_licenses"),
    ("slurmdb_v0_0_38_get_config", "get_config"), ("slurmctld_get_job", "get_job"),
    ("slurmdbd_get_db_config", "get_db_config"), ("slurm_v0_0_38_submit_job", "submit_job"),
    ("slurmctld_get_job_v0.0.38", "get_job")])
def test_operation_name(oid, name):
    assert N.operation_name(oid) == name


def test_security_with_empty_alternative_is_kept():
    fixed = N.normalise(_v44())
    assert {} in fixed["security"]


def test_param_python_name():
    assert param_python_name("Include deleted QOS") == "IncludedeletedQOS"
    assert param_python_name("Exclude parent id/name") == "Excludeparentidname"
    assert param_python_name("update_time") == "update_time"
    assert param_python_name("Include the raw QOS or delta_qos") == "IncludetherawQOSordelta_qos"
    assert param_python_name("1st") == "st"
