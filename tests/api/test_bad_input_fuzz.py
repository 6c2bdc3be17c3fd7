"""Bad input never breaks the mock (issue #11 §3): a hypothesis run over every operation of every served
version (25.11's v0.0.41-44, 26.05's v0.0.42-45, 22.05's v0.0.38), each request a valid one with something
broken in it: a path parameter, the query, a body value of another type or shape, an unknown field, a body
that is not JSON, not UTF-8, or of another media type.

What every answer must be: no unhandled exception (nothing logged as a mock bug, no "could not answer"
entry); text/plain only for the router's own rejects; JSON that parses as UTF-8 with errors in the
release's own shape; and a request that was refused (4xx/5xx, or 304) leaves the cluster exactly as it was.
Cases and answers per operation go to reports/fuzz/<release>-<version>.json (the counts in issue #11's note).
"""

from __future__ import annotations

import collections
import json
import logging
import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_every_operation import REQUESTS, SERVED, _fill, _seed
from tests.support import MockHarness, cluster_state

CASES = int(os.environ.get("MOCKRESTD_FUZZ_CASES", "15"))      # per operation and version
REPORT = Path(os.environ.get("MOCKRESTD_FUZZ_REPORT", "reports/fuzz"))
RUNS = SERVED + [("22.05.8", "v0.0.38")]

ODD_TEXT = ["", " ", "0", "-1", "4294967295", "18446744073709551616", "1e309", "NaN", "abc", "1_2", "1+1",
            "1,2", "%", "%ZZ", "..", "../..", "a/b", "\u00e9\u4e2d", "\x00", "x" * 300, "node[0-99999999]",
            "INFINITE", "true", "[]", "{}", "null", "node1,node2", "12_[1-3]", "*"]
SCALARS = (st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(ODD_TEXT) | st.text(max_size=16))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
RAW_BODIES = [b"\xff\xfe\x00garbage", b'{"job": {"name": "\xc3\x28"}}', b'{"job": ', b"[1, 2", b"null", b"42",
              b'"text"', b"[]", b"- a\n- b\n", b"{" * 40 + b"}" * 40, b"[" * 40 + b"]" * 40]


class _Bugs(logging.Handler):
    """Collects what the app logs as its own failure (app.py logs every unhandled exception)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


def _paths(value, prefix=()):
    """Every place in a JSON body (dict keys, list items) a broken value can go."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _put(value, path, new):
    if not path:
        return new
    value = json.loads(json.dumps(value))
    node = value
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return value


def _schema_fields(vs, schema, depth=0, out=None):
    """Property names of an operation's request schema (a few levels): what a broken body names."""
    out = set() if out is None else out
    schema = vs.deref(schema) if isinstance(schema, dict) else {}
    if depth > 3 or not isinstance(schema, dict):
        return out
    for name, sub in (schema.get("properties") or {}).items():
        out.add(name)
        _schema_fields(vs, sub, depth + 1, out)
    if "items" in schema:
        _schema_fields(vs, schema["items"], depth + 1, out)
    return out


@st.composite
def _broken(draw, op, vs, base):
    """One request: the operation's valid example, with one or two things broken."""
    params, query, body = base
    path = op.path
    params = dict(params)
    kinds = draw(st.lists(st.sampled_from(["path", "query", "body", "raw", "mime"]), min_size=1, max_size=2))
    if "path" in kinds and params:
        name = draw(st.sampled_from(sorted(params)))
        params[name] = draw(st.sampled_from(ODD_TEXT) | st.text(min_size=1, max_size=12))
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    pairs = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in query.lstrip("?").split("&") if p]
    if "query" in kinds:
        known = [p["name"] for p in op.op.get("parameters", []) if p.get("in") == "query"]
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.sampled_from(known) if known and draw(st.booleans()) else st.sampled_from(
                ["bogus", "flags", "update_time", "job_id", "state", "with_deleted", "x y"]))
            pairs.append((key, draw(st.sampled_from(ODD_TEXT) | st.text(max_size=10))))
    target = path + ("?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
                     if pairs else "")
    headers, content = {}, None
    if op.method == "post" or "body" in kinds or "raw" in kinds:
        value = body if body is not None else {}
        if "body" in kinds:
            how = draw(st.sampled_from(["replace", "add", "whole"]))
            if how == "replace":
                value = _put(value, draw(st.sampled_from(list(_paths(value)))), draw(JSON))
            elif how == "add" and isinstance(value, dict):
                schema = (op.op.get("requestBody") or {}).get("content", {}).get("application/json", {})
                fields = sorted(_schema_fields(vs, schema.get("schema", {}))) or ["x"]
                spots = [p for p in _paths(value) if isinstance(_at(value, p), dict)]
                value = _put(value, draw(st.sampled_from(spots)) + (draw(st.sampled_from(fields + ["bogus"])),),
                             draw(JSON))
            else:
                value = draw(JSON)
        content = json.dumps(value).encode()
        headers["Content-Type"] = "application/json"
        if "raw" in kinds:
            content = draw(st.sampled_from(RAW_BODIES) | st.binary(max_size=40))
        if "mime" in kinds:
            headers["Content-Type"] = draw(st.sampled_from(
                ["text/plain", "application/yaml", "application/x-www-form-urlencoded", "application/json; charset=latin1",
                 "", "application/octet-stream"]))
    return op.method.upper(), target, headers, content


def _at(value, path):
    for step in path:
        value = value[step]
    return value


def _router_statuses(profile) -> set:
    """The statuses of the router's own text/plain answers in this release (unknown path, wrong method,
    bad path or query, malformed body, unknown MIME type, size limits)."""
    return {404} | {getattr(profile, f"{kind}_status") for kind in (
        "wrong_method", "unknown_method", "bad_query", "bad_body", "unknown_mime", "bad_path")} | {
        status for status, _ in profile.body_limit_answers.values()}


def _check(release, router, op, method, target, status, ctype, data: bytes, bugs):
    """What any answer to a broken request must be; returns a problem or None."""
    where = f"{op.operation_id} {method} {target[:120]} -> {status}"
    if bugs:
        return f"{where}: the mock logged its own failure: {bugs[-1][:400]}"
    if ctype.startswith("text/plain"):
        return None if status in router else f"{where}: text/plain outside the router's rejects"
    if status == 304 or not data:
        return None if status in (304, 400) or release.startswith("22.05") else f"{where}: empty body"
    if not ctype.startswith("application/json"):
        return f"{where}: content type {ctype!r}"
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return f"{where}: not valid JSON ({e})"
    if not isinstance(body, dict):
        return f"{where}: JSON that is not an object"
    errors = body.get("errors") or []
    for e in errors:
        if "could not answer" in str(e.get("error", "")):
            return f"{where}: {e}"
        keys = set(e)
        if not release.startswith("22.05") and keys != {"description", "error_number", "error", "source"}:
            return f"{where}: error entry {e}"
    return None


def _ran_anyway(r) -> bool:
    """An answer whose only errors are 9207 (an unknown flag in the query): slurmrestd's query parser
    reports the flag and goes on, so the operation ran (`DELETE job/{id}?flags=NOPE` cancels the job, and
    its status is the error's, 500), as for `GET jobs/?flags=NOPE`, which answers with the jobs."""
    try:
        errors = r.json().get("errors") or []
    except ValueError:
        return False
    return bool(errors) and all(e.get("error_number") == 9207 for e in errors)


@pytest.fixture(scope="module")
def served(shared_specs):
    from mockrestd.http.app import served_specs
    from mockrestd.specs import load_specs
    cache = {}

    def get(release, tmp):
        if release not in cache:
            if release.startswith("22.05"):
                folder = tmp / "specs2205"
                folder.mkdir(exist_ok=True)
                shutil.copy(shared_specs / "slurm-22.05.8-openapi-v3.json", folder)
                cache[release] = load_specs(folder)
            else:
                cache[release] = served_specs(shared_specs, release.rsplit(".", 1)[0])[1]
        return cache[release]
    return get


@pytest.mark.parametrize("release,version", RUNS)
def test_broken_requests_never_break_the_mock(served, tmp_path, release, version):
    spec_set = served(release, tmp_path)
    key = tmp_path / "key"
    key.write_bytes(b"k" * 32)
    harness = MockHarness(spec_set, key, release=release)
    vs = spec_set.versions[version]
    seed = _seed(harness, version) if version != "v0.0.38" else {"done": 1, "running": 2, "pending": 3}
    ops = sorted(vs.operations.values(), key=lambda o: o.operation_id)
    bases = {}
    for op in ops:
        params, query, body, _ok = REQUESTS.get((op.family, op.name), ({}, "", None, None))
        params = {k: v for k, v in params.items()}
        for name in [p["name"] for p in op.op.get("parameters", []) if p.get("in") == "path"]:
            params.setdefault(name, "1")        # 22.05's names (job_id, user_name, ...) a valid-looking value
        bases[op.operation_id] = (_fill(params, seed), _fill(query, seed), _fill(body, seed))
    headers = harness.headers("root", style="user")
    bugs = _Bugs()
    router = _router_statuses(harness.site.profile)
    logging.getLogger("mockrestd").addHandler(bugs)
    counts = collections.defaultdict(collections.Counter)
    problems = []

    @settings(max_examples=CASES, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(op, data):
        method, target, extra, content = data.draw(_broken(op, vs, bases[op.operation_id]), label="request")
        before = cluster_state(harness.cluster)
        bugs.records.clear()
        r = harness.client.request(method, target, headers={**headers, **extra}, content=content)
        counts[op.operation_id][r.status_code] += 1
        problem = _check(release, router, op, method, target, r.status_code, r.headers.get("content-type", ""),
                         r.content, bugs.records)
        if problem is None and (r.status_code >= 400 or r.status_code == 304) and not _ran_anyway(r):
            if cluster_state(harness.cluster) != before:
                problem = f"{op.operation_id} {method} {target[:120]} -> {r.status_code}: refused, yet the " \
                          f"cluster changed"
        if problem:
            problems.append(problem + f"\n    body sent: {(content or b'')[:300]!r}")
        assert problem is None, problems[-1]

    try:
        for op in ops:
            run(op)
    finally:
        logging.getLogger("mockrestd").removeHandler(bugs)
        harness.close()
        REPORT.mkdir(parents=True, exist_ok=True)
        (REPORT / f"{release}-{version}.json").write_text(json.dumps(
            {"cases": sum(sum(c.values()) for c in counts.values()),
             "operations": {k: dict(sorted(v.items())) for k, v in sorted(counts.items())}}, indent=1))
    assert sorted(counts) == [op.operation_id for op in ops], "every operation was sent broken requests"
    assert all(sum(c.values()) >= min(CASES, 5) for c in counts.values()), counts
