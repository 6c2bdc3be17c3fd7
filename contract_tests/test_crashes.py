"""CONTRACT_CRASH_PROBE=1: send every known crasher (divergences.toml [[crash]]) on purpose, once per API
version under test that has the operation, and report which still kill the target. That is how the two
known ones were found; a release where a crasher is answered is one to add to its `fixed_in`.

Deselected without the variable; it runs last, since a crasher that still crashes ends the run. After
each request the target must still answer (CONTRACT_DEAD_WAIT seconds, for a supervisor to restart it);
when it does not, the remaining crashers are not probed, and the run is failed with the crash."""

from __future__ import annotations

import fnmatch
import json

import httpx
import pytest

from contract_tests import liveness, recorder
from contract_tests.client import curl_line
from contract_tests.conformance import divergence_table
from contract_tests.specdoc import operations, target_versions


def probes():
    """(crash, version, method, path) for each crasher and each version under test serving it."""
    ops = {oid: (m, p) for m, p, oid in operations()}
    for crash in divergence_table().crashes:
        for version in target_versions():
            probe = crash.probe
            path = probe["path"].replace("{v}", version)
            oid = next((o for o, (m, p) in ops.items() if m == probe["method"].lower()
                        and p.rstrip("/") == path.rstrip("/")), None)
            if oid and any(fnmatch.fnmatchcase(oid, g) for g in crash.operations):
                yield crash, version, probe["method"].upper(), path


def test_crash_probe(target):
    results, crashed = [], []
    with httpx.Client(base_url=target.url, timeout=30) as http:
        for crash, version, method, path in probes():
            if crashed:
                results.append((crash.id, version, "not probed: the target died on an earlier probe", ""))
                continue
            body = crash.probe.get("body")
            raw = crash.probe.get("content")           # sent as written, with the probe's content_type
            content = raw.encode() if raw is not None else json.dumps(body).encode() if body is not None else None
            request = http.build_request(method, path + ("?" + crash.probe["query"] if crash.probe.get("query") else ""),
                                         headers=target.headers(), content=content)
            if content is not None:
                request.headers["Content-Type"] = crash.probe.get("content_type", "application/json")
            curl = curl_line(request)
            liveness.sent(curl)
            try:
                r = http.send(request)
                answer = f"answered {r.status_code}"
            except httpx.HTTPError as exc:
                answer = f"no answer ({type(exc).__name__})"
            if liveness.alive(target.url):
                liveness.answered()
                outcome = f"{answer}; the target still answers (add {target.release()} to fixed_in if it " \
                          f"stays so)" if answer.startswith("answered") else f"{answer}, but the target answers"
            else:
                outcome = f"{answer}; the target no longer answers: STILL CRASHES"
                crashed.append((crash.id, version, curl))
            results.append((crash.id, version, outcome, curl))
            recorder.add({"type": "crash_probe", "crash": crash.id, "version": version, "outcome": outcome,
                          "curl": curl, "release": target.release()})
    assert results, "no [[crash]] entry has an operation this target serves at the versions under test"
    text = "\n".join(f"{cid} at {v}: {o}" + (f"\n    {c}" if c else "") for cid, v, o, c in results)
    print("crash probe against", target.url, f"(release {target.release()}):\n" + text)
    if crashed:
        liveness.declare(target.url, None, "the crash probe")
        pytest.fail(f"{len(crashed)} known crasher(s) still kill {target.url} (release {target.release()}):\n"
                    + text, pytrace=False)
