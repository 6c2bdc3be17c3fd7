"""The OpenAPI document the suite tests against: the target's own `/openapi/v3` (or `CONTRACT_SPEC`),
normalised only where the document is unusable as OpenAPI, cut to the versions under test, with the
operations that would break a real cluster left out unless allowed.

Normalisation fixes what makes tools refuse or misread the document (`required: []`, slash-path `required`
entries, int32/int64 formats on uint fields). It does NOT make `job_resources`/`results` nullable: those are
real-Slurm behaviour, listed with evidence in divergences.toml, so they stay visible in the report."""

from __future__ import annotations

import copy
import fnmatch
import json
import os
import re
from functools import lru_cache
from pathlib import Path

import httpx

from .target import get_target

VERSIONED = re.compile(r"^/(slurm|slurmdb|util)/(v\d+\.\d+\.\d+)/")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
# rules of mockrestd.specs.normalise that change behaviour rather than repair the document
_NOT_NORMALISED = {"nullable_null_answers"}

# Operations (by operationId without family/version: see `op_name`) that can destroy or disturb the target's
# setup: deleting or reshaping nodes, accounts, users, QOS, clusters, associations, wckeys, TRES, loading a
# config, reconfiguring, reservations that block nodes, mass-cancelling every job, blocking allocations.
DESTRUCTIVE = (
    "delete_node", "post_node", "post_nodes", "post_new_node", "get_reconfigure",
    "delete_account", "delete_user", "delete_qos", "delete_single_qos", "delete_cluster", "delete_association",
    "delete_associations", "delete_wckey", "post_accounts", "post_accounts_association", "post_users",
    "post_users_association", "post_qos", "post_clusters", "post_associations", "post_wckeys", "post_tres",
    "post_config", "post_reservation", "post_reservations", "delete_reservation", "delete_jobs",
    "post_job_allocate", "post_jobs", "post_job",
    # the same operations under 22.05's names (v0.0.36-38)
    "set_config", "update_tres", "update_qos", "update_associations", "update_users", "update_account",
    "add_clusters", "add_wckeys",
)
# `post_job` is POST /slurmdb/vX/job/{id} (accounting update of any job) when the family is slurmdb; the
# controller's POST /slurm/vX/job/{id} (update one job) is kept: see `is_destructive`.


def op_name(operation_id: str) -> str:
    """"slurm_v0044_post_job_submit" → "post_job_submit" (family and version stripped)."""
    return re.sub(r"^(slurm|slurmdb|util)_v\d+(_\d+)*_", "", operation_id)


def op_family(operation_id: str) -> str:
    return operation_id.split("_", 1)[0]


def is_destructive(operation_id: str) -> bool:
    name, family = op_name(operation_id), op_family(operation_id)
    if name == "post_job":
        return family == "slurmdb"
    return name in DESTRUCTIVE


def _own_normalise(doc: dict) -> None:
    """Minimal copy of the repair rules for when mockrestd is not importable."""
    stack = [doc]
    while stack:
        d = stack.pop()
        if isinstance(d, dict):
            req = d.get("required")
            if isinstance(req, list):
                kept = [r for r in req if not (isinstance(r, str) and "/" in r)]
                if kept:
                    d["required"] = kept
                else:
                    del d["required"]
            if d.get("type") == "integer" and d.get("format") in ("int32", "int64"):
                del d["format"]
            stack.extend(d.values())
        elif isinstance(d, list):
            stack.extend(d)


def normalise(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    try:
        from mockrestd.specs.normalise import RULES
    except ImportError:
        _own_normalise(doc)
        return doc
    for rule in RULES:
        if rule.__name__ not in _NOT_NORMALISED:
            rule(doc)
    return doc


@lru_cache(maxsize=1)
def raw_document() -> dict:
    """CONTRACT_SPEC (a file) or the target's /openapi/v3."""
    path = os.environ.get("CONTRACT_SPEC", "").strip()
    if path:
        return json.loads(Path(path).read_text())
    target = get_target()
    r = httpx.get(f"{target.url}/openapi/v3", headers=target.headers(), timeout=60)
    if r.status_code != 200:
        raise RuntimeError(f"GET {target.url}/openapi/v3 answered {r.status_code}: {r.text[:300]}")
    return r.json()


def served_versions(doc: dict) -> list[str]:
    found = {m.group(2) for p in doc.get("paths", {}) if (m := VERSIONED.match(p))}
    return sorted(found, key=lambda v: tuple(int(x) for x in v[1:].split(".")))


@lru_cache(maxsize=1)
def target_versions() -> list[str]:
    """The API versions under test: those the document serves, restricted by CONTRACT_VERSIONS."""
    served = served_versions(raw_document())
    wanted = [v.strip() for v in os.environ.get("CONTRACT_VERSIONS", "").split(",") if v.strip()]
    if wanted:
        missing = [v for v in wanted if v not in served]
        if missing:
            raise RuntimeError(f"CONTRACT_VERSIONS asks for {missing}, the target serves {served}")
        return [v for v in served if v in wanted]
    return served


def _job_links(doc: dict) -> None:
    """Explicit links from submit to get/update/cancel/signal of the submitted job, so the stateful phase
    reaches a real job even where inference would not (the job id is in the body, not a Location header)."""
    for path, item in doc["paths"].items():
        m = VERSIONED.match(path)
        if not m or m.group(1) != "slurm" or not path.rstrip("/").endswith("/job/submit"):
            continue
        base = f"/slurm/{m.group(2)}/job/{{job_id}}"
        targets = {}
        for method in ("get", "post", "delete"):
            op = doc["paths"].get(base, {}).get(method) or doc["paths"].get(base + "/", {}).get(method)
            if op and op.get("operationId"):
                targets[method] = op["operationId"]
        post = item.get("post", {})
        ok = post.get("responses", {}).get("200")
        if not ok or not targets:
            continue
        links = ok.setdefault("links", {})
        param = {"job_id": "$response.body#/job_id"}
        if "get" in targets:
            links.setdefault("ContractGetJob", {"operationId": targets["get"], "parameters": param})
        if "post" in targets:
            links.setdefault("ContractUpdateJob", {"operationId": targets["post"], "parameters": param})
        if "delete" in targets:
            links.setdefault("ContractCancelJob", {"operationId": targets["delete"], "parameters": param})
            links.setdefault("ContractSignalJob", {"operationId": targets["delete"],
                                                    "parameters": {**param, "signal": "SIGTERM"}})


@lru_cache(maxsize=1)
def test_document() -> dict:
    """The normalised document, cut to the versions under test, with the submit links added."""
    doc = normalise(raw_document())
    versions = set(target_versions())
    doc["paths"] = {p: item for p, item in doc.get("paths", {}).items()
                    if (m := VERSIONED.match(p)) and m.group(2) in versions}
    _job_links(doc)
    return doc


def operations(doc: dict | None = None):
    """(method, path, operationId) of every operation in the test document."""
    doc = doc or test_document()
    for path, item in doc["paths"].items():
        for method in METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                yield method, path, op.get("operationId", f"{method} {path}")


def excluded_operations() -> dict[str, str]:
    """operationId → why it is not exercised by the generated phases (empty on the mock by default)."""
    target = get_target()
    out = {}
    skip = [g.strip() for g in os.environ.get("CONTRACT_SKIP_OPERATIONS", "").split(",") if g.strip()]
    only = [g.strip() for g in os.environ.get("CONTRACT_OPERATIONS", "").split(",") if g.strip()]
    for _method, _path, oid in operations():
        if not target.destructive and is_destructive(oid):
            out[oid] = "destructive on a real cluster (set CONTRACT_DESTRUCTIVE=1 to include)"
        elif any(fnmatch.fnmatchcase(oid, g) for g in skip):
            out[oid] = "CONTRACT_SKIP_OPERATIONS"
        elif only and not any(fnmatch.fnmatchcase(oid, g) for g in only):
            out[oid] = "not in CONTRACT_OPERATIONS"
    return out


def operation_for(method: str, path: str) -> str | None:
    """The operationId a concrete request (e.g. GET /slurm/v0.0.44/job/12) maps to, for the report."""
    clean = path.split("?")[0].rstrip("/")
    # literal paths first (`job/submit` before `job/{job_id}`, which 22.05's documents list first)
    for m, p, oid in sorted(operations(), key=lambda o: o[1].count("{")):
        if m != method.lower():
            continue
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p.rstrip("/"))) + "$"
        if re.match(pattern, clean):
            return oid
    return None
