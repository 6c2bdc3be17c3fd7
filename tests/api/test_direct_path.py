"""The gate answers operations itself (`Gate.direct`), by the function connexion's endpoint also calls:
every answer must be the same bytes either way. Two identical mocks on manual clocks, one answering in the
gate and one sending everything through connexion, get the same requests (GETs with errors and query
warnings, bodies good and bad, deletes); status, header list and body of each raw ASGI answer are compared."""

from __future__ import annotations

import asyncio
import json

import pytest

from mockrestd.auth import mint_token
from tests.support import MockHarness

VERSIONS = ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44")


def asgi(app, method: str, path: str, query: str = "", headers: dict | None = None, body: bytes = b""):
    """One request through the ASGI app; every message it sends back, as they came."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 6820),
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}
    messages, sent = [], False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        messages.append({k: (list(v) if k == "headers" else v) for k, v in message.items()})

    asyncio.run(app(scope, receive, send))
    return messages


@pytest.fixture
def pair(spec_set, tmp_path):
    key = tmp_path / "key"
    key.write_bytes(b"k" * 32)
    direct, routed = MockHarness(spec_set, key), MockHarness(spec_set, key)
    routed.app.direct = False
    assert direct.app.direct
    yield direct, routed
    direct.close()
    routed.close()


def _requests(job_id: int, array_id: int):
    for v in VERSIONS:
        s, db = f"/slurm/{v}", f"/slurmdb/{v}"
        yield from [
            (f"{s}/ping/", ""), (f"{s}/jobs/", ""), (f"{s}/jobs", ""), (f"{s}/job/{job_id}", ""),
            (f"{s}/job/{array_id}_1", ""), (f"{s}/job/{job_id}.batch", ""),
            (f"{s}/job/999999", ""), (f"{s}/job/abc", ""), (f"{s}/job/0", ""), (f"{s}/job/99999999999", ""),
            (f"{s}/jobs/", "flags=NOPE"), (f"{s}/jobs/", "bogus=1&other=2"), (f"{s}/jobs/", "update_time=4000000000"),
            (f"{s}/jobs/", "update_time=garbage"), (f"{s}/jobs/state/", ""), (f"{s}/nodes/", ""),
            (f"{s}/nodes/", "update_time=4000000000"), (f"{s}/node/nosuch", ""), (f"{s}/partitions/", ""),
            (f"{s}/partition/debug", ""), (f"{s}/reservations/", ""), (f"{s}/licenses/", ""), (f"{s}/diag/", ""),
            (f"{s}/shares", ""), (f"{db}/jobs/", ""), (f"{db}/job/{job_id}", ""), (f"{db}/qos/", ""),
            (f"{db}/associations/", ""), (f"{db}/users/", ""), (f"{db}/diag/", ""), (f"{db}/config", ""),
            (f"{db}/accounts/", "update_time=4000000000"),
        ]


def test_gets_answered_in_the_gate_are_the_bytes_connexion_sends(pair):
    direct, routed = pair
    ids = []
    for h in pair:
        h.clock.advance(1)
        jid = h.submit()
        arr = h.submit({"array": "1-3"})
        h.submit(user="bob", hold=True)
        h.advance(5)
        ids.append((jid, arr))
    assert ids[0] == ids[1]
    # the same tokens on both sides, valid for the whole run (tokens live in wall time)
    good = {"X-SLURM-USER-TOKEN": mint_token(b"k" * 32, "alice", 10**9)}
    bad = {"X-SLURM-USER-TOKEN": mint_token(b"x" * 32, "alice", 3600)}
    root = {"X-SLURM-USER-TOKEN": mint_token(b"k" * 32, "root", 10**9)}
    inner = {"direct": 0, "routed": 0}
    for name, h in (("direct", direct), ("routed", routed)):
        app = h.app.app

        async def counted(scope, receive, send, app=app, name=name):
            inner[name] += 1
            return await app(scope, receive, send)
        h.app.app = counted
    compared, statuses = 0, set()
    for path, query in _requests(*ids[0]):
        for headers in (good, bad, root):
            a = asgi(direct.app, "GET", path, query, headers)
            b = asgi(routed.app, "GET", path, query, headers)
            assert a == b, (path, query, a[0], b[0])
            statuses.add(a[0]["status"])
            compared += 1
    # the sample covers answers, errors and no-body answers alike
    assert {200, 304, 404, 422, 500} <= statuses, statuses
    assert compared == len(VERSIONS) * 32 * 3
    # and the two ways were really taken: connexion saw none of the direct mock's GETs, all of the other's
    assert inner["direct"] == 0 and inner["routed"] > compared // 2, inner


def _changes(v: str, job_id: int):
    """Requests with bodies (good, empty, wrong types, unknown fields, lists, YAML) and deletes, in an
    order that changes the cluster the same way on both sides."""
    s, db = f"/slurm/{v}", f"/slurmdb/{v}"
    job = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}
    js = "application/json"
    return [
        ("POST", f"{s}/job/submit", {"job": job}, js), ("POST", f"{s}/job/submit", {}, js),
        ("POST", f"{s}/job/submit", None, js), ("POST", f"{s}/job/submit", [job], js),
        ("POST", f"{s}/job/submit", {"job": dict(job, nice="x", bogus=1)}, js),
        ("POST", f"{s}/job/submit", {"job": dict(job, script="")}, js),
        ("POST", f"{s}/job/submit", b"job:\n  script: '#!/bin/sh'\n  current_working_directory: /tmp\n",
         "application/yaml"),
        ("POST", f"{s}/job/{job_id}", {"comment": "c", "time_limit": 5}, js),
        ("POST", f"{s}/job/{job_id}", {"bogus": 1}, js), ("POST", f"{s}/job/999999", {"comment": "x"}, js),
        ("POST", f"{s}/job/abc", {"comment": "x"}, js), ("POST", f"{s}/node/n1", {"comment": "x"}, js),
        ("POST", f"{s}/node/nosuch", {"state": ["DRAIN"], "reason": "r"}, js),
        ("POST", f"{s}/reservation/", {"name": "r1"}, js), ("POST", f"{db}/jobs/", {"jobs": []}, js),
        ("POST", "/slurm/v0.0.44/job/submit", b"{not json", js),
        ("DELETE", f"{s}/job/{job_id}", None, js), ("DELETE", f"{s}/job/{job_id}", None, js),
        ("DELETE", f"{s}/job/999999", None, js), ("DELETE", f"{s}/jobs/", {"job_name": "none"}, js),
        ("DELETE", f"{s}/node/nosuch", None, js), ("DELETE", f"{s}/reservation/nosuch", None, js),
    ]


def test_other_methods_answered_in_the_gate_are_the_bytes_connexion_sends(pair):
    direct, routed = pair
    good = {"X-SLURM-USER-TOKEN": mint_token(b"k" * 32, "root", 10**9)}
    for h in pair:
        h.clock.advance(1)
    statuses = set()
    for v in VERSIONS:
        job_id = None
        for h in pair:
            job_id = h.submit(version=v, user="root")
        for method, path, body, ctype in _changes(v, job_id):
            raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
            headers = dict(good, **{"Content-Type": ctype})
            a = asgi(direct.app, method, path, "", headers, raw)
            b = asgi(routed.app, method, path, "", headers, raw)
            assert a == b, (method, path, body, a[0], b[0])
            statuses.add(a[0]["status"])
            for h in pair:
                h.advance(1)
    assert {200, 400, 404, 422, 500} <= statuses, statuses
