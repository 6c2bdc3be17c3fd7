"""Body size and parse depth: slurmrestd's limits and answers (sources in mockrestd/http/limits.py)."""

from __future__ import annotations

import asyncio

import pytest

from mockrestd.http import limits
from tests.support import V

SUBMIT = f"/slurm/{V}/job/submit"


def _post(mock, body: bytes, ctype="application/json", user="alice"):
    return mock.post(SUBMIT, content=body, headers={**mock.headers(user), "content-type": ctype})


def _nested(levels: int, inner: str = "") -> bytes:
    return ("[" * levels + inner + "]" * levels).encode()


def _is_parse_refusal(r) -> bool:
    return r.status_code == 400 and r.headers["content-type"].startswith("text/plain") \
        and r.text == "Failure during parsing"


def test_body_over_50_mib_is_413_in_slurms_words_and_changes_nothing(mock):
    pad = b" " * (limits.MAX_BODY_BYTES - 40)
    body = b'{"job": {"script": "#!/bin/sh\\ntrue"}}' + pad + b"   "
    assert len(body) > limits.MAX_BODY_BYTES
    r = _post(mock, body)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text == "HTTP Content-Length header too large to process"      # slurm_strerror(12016)
    assert r.headers["connection"] == "Close"
    assert mock.cluster.jobs == {}


def test_body_limit_is_checked_before_auth_and_routing(mock):
    """http_con.c counts body bytes while parsing HTTP, before slurmrestd looks at a token or a path."""
    body = b"x" * (limits.MAX_BODY_BYTES + 1)
    r = mock.client.post("/slurm/v0.0.44/no/such/path", content=body)
    assert (r.status_code, r.text) == (413, "HTTP Content-Length header too large to process")


def _receive(chunks, taken):
    async def receive():
        taken.append(1)
        if len(taken) > len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[len(taken) - 1], "more_body": len(taken) < len(chunks)}
    return receive


def test_read_body_stops_at_the_limit_without_holding_the_rest():
    mib = b"x" * (1 << 20)
    chunks = [mib] * 200                                     # 200 MiB offered, no Content-Length
    taken: list = []
    with pytest.raises(limits.BodyTooLarge):
        asyncio.run(limits.read_body(_receive(chunks, taken), None))
    assert len(taken) == 51                                  # 50 MiB fit, the 51st chunk passes the limit


def test_read_body_takes_exactly_the_limit_and_refuses_one_byte_more():
    exact = [b"x" * (limits.MAX_BODY_BYTES // 2)] * 2
    assert len(asyncio.run(limits.read_body(_receive(exact, []), limits.MAX_BODY_BYTES))) == limits.MAX_BODY_BYTES
    with pytest.raises(limits.BodyTooLarge):
        asyncio.run(limits.read_body(_receive(exact + [b"x"], []), None))
    taken: list = []
    with pytest.raises(limits.BodyTooLarge):                 # an announced length past it: nothing read
        asyncio.run(limits.read_body(_receive(exact, taken), limits.MAX_BODY_BYTES + 1))
    assert taken == []


@pytest.mark.parametrize("levels,inner,refused", [
    (32, "", False), (33, "", True),          # containers only: json-c takes 32
    (31, "1", False), (32, "1", True),        # a number inside counts as a level too
    (5000, "", True), (100_000, "1", True),   # far past Python's recursion limit: still Slurm's answer
])
def test_json_depth_is_json_cs(mock, levels, inner, refused):
    r = _post(mock, _nested(levels, inner))
    assert _is_parse_refusal(r) is refused, (r.status_code, r.text[:200])
    assert r.status_code < 500 or not refused


def test_deep_object_and_trailing_comma_bodies(mock):
    deep_obj = ('{"a":' * 40 + "1" + "}" * 40).encode()
    assert _is_parse_refusal(_post(mock, deep_obj))
    # a trailing comma sends the body through the YAML reader; depth and aliases are still json-c's call
    assert _is_parse_refusal(_post(mock, _nested(3000, "1,")))
    assert _is_parse_refusal(_post(mock, b'{"job": &a {"x": 1}, "y": *a,}'))
    assert mock.cluster.jobs == {}


@pytest.mark.parametrize("levels,status", [(32, None), (33, 500), (4000, 500)])
def test_yaml_depth(mock, levels, status):
    body = ("- " * levels + "x").encode() if levels > 100 else (
        "".join("  " * i + "-\n" for i in range(levels - 1)) + "  " * (levels - 1) + "- x\n").encode()
    r = _post(mock, body, ctype="application/yaml")
    if status is None:
        assert r.text != "Parsing tree too deep. Possible cyclic parsing detected"
        assert r.status_code < 500 or r.headers["content-type"].startswith("application/json"), r.text[:200]
    else:
        assert (r.status_code, r.text) == (500, "Parsing tree too deep. Possible cyclic parsing detected")


def test_yaml_alias_is_refused_not_expanded(mock):
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8))
    r = _post(mock, laughs.encode(), ctype="application/yaml")
    assert (r.status_code, r.text) == (500, "Requested operation not supported on this system")
    assert mock.cluster.jobs == {}


def test_big_but_allowed_bodies_still_work(mock):
    """A 10 MB script and a 100,000-entry environment are within every limit and are taken."""
    job = {"script": "#!/bin/bash\n" + "#" * 10_000_000, "current_working_directory": "/tmp",
           "environment": [f"V{i}=1" for i in range(100_000)]}
    r = mock.post(SUBMIT, json={"job": job})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["job_id"] in mock.cluster.jobs
