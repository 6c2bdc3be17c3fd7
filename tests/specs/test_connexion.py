"""Every per-version document is valid OpenAPI and accepted by connexion; parameter names as handlers see them."""

from __future__ import annotations

import copy

import connexion
import pytest
from connexion.resolver import Resolver
from openapi_spec_validator import validate

from mockrestd.specs import load_specs, param_python_name

from ._shared import SHARED_SPECS, copy_specs

DOCS = sorted(p.name for p in SHARED_SPECS.glob("*.json")) if SHARED_SPECS.is_dir() else []


class _Dummy(Resolver):
    def resolve_function_from_operation_id(self, operation_id):
        def handler(**kwargs):
            return {}
        return handler


def _each_version():
    for name in DOCS:
        cases = {"slurm-22.05.8-openapi-v3.json": ["v0.0.36", "v0.0.37", "v0.0.38"],
                 "slurm-24.11.5-openapi-v3.json": ["v0.0.40", "v0.0.41", "v0.0.42"],
                 "slurm-26.05.5-openapi-v3.json": ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"]}
        for version in cases.get(name, [name[len("slurm-"):-len(".json")]]):
            yield pytest.param(name, version, id=f"{name}:{version}")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """One folder per document, so each document's own versions are loaded (not the preferred ones)."""
    return {name: copy_specs(tmp_path_factory.mktemp(name.replace(".", "_")), name) for name in DOCS}


@pytest.mark.parametrize("name, version", list(_each_version()))
def test_version_document_is_valid_and_connexion_accepts_it(folders, name, version):
    s = load_specs(folders[name])
    assert not s.skipped
    vs = s.versions[version]
    validate(vs.document)
    app = connexion.AsyncApp(__name__)
    app.add_api(copy.deepcopy(vs.document), resolver=_Dummy(), name=f"{name}-{version}")


def test_merged_document_of_the_default_four_is_valid():
    s = load_specs(SHARED_SPECS, only={"v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"})
    validate(s.merged_document())


def _param_doc(names):
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/q": {"get": {"operationId": "q", "parameters": [
                {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names],
                "responses": {"200": {"description": "ok"}}}}}}


@pytest.mark.parametrize("pythonic", [False, True])
def test_param_python_name_matches_what_connexion_hands_handlers(pythonic):
    names = ["Include deleted QOS", "Exclude parent id/name", "Include the raw QOS or delta_qos", "update_time"]
    seen = {}

    class _Capture(Resolver):
        def resolve_function_from_operation_id(self, operation_id):
            def handler(**kwargs):
                seen.update(kwargs)
                return {}
            return handler

    app = connexion.AsyncApp(__name__)
    app.add_api(_param_doc(names), resolver=_Capture(), pythonic_params=pythonic)
    client = app.test_client()
    r = client.get("/q", params={n: f"v{i}" for i, n in enumerate(names)})
    assert r.status_code == 200, r.text
    expected = {param_python_name(n, pythonic_params=pythonic): f"v{i}" for i, n in enumerate(names)}
    assert {k: v for k, v in seen.items() if k in expected} == expected
    if not pythonic:
        assert seen["IncludedeletedQOS"] == "v0" and seen["Excludeparentidname"] == "v1"
