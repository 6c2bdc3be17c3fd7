"""Differential run: the same scenario requests against a real slurmrestd and the mock, answers normalised
and compared. Reports every disagreement (JSON + text) in CONTRACT_REPORT_DIR.

Compared: status, media type, key structure (paths of keys, list positions collapsed) and the values that
should match (states, reasons, exit codes, signal names, error numbers, ping results, text of text/plain
answers). Not compared: ids, times, host/node/cluster/user names, paths, meta.client, versions (normalised
away). Timing-dependent answers (a job right after submit) are compared by status and structure only.

    python -m contract_tests.differential            # real: SLURMRESTD_URL + SLURM_JWT; mock: started here
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from . import recorder, shape
from .client import FINISHED, base_state, operation_for
from .specdoc import test_document
from .target import Target, external_target, start_mock

DEFAULT_VERSION = "v0.0.44"
# values normalised away (keys anywhere in a body)
VOLATILE_KEYS = {
    "job_id", "array_job_id", "het_job_id", "het_job_id_set", "het_job_offset", "step_id",
    "user_id", "group_id", "user_name", "group_name", "user", "group", "account", "association_id",
    "cluster", "nodes", "batch_host", "node_name", "hostname", "name", "partition", "qos",
    "current_working_directory", "standard_output", "standard_error", "standard_input", "script",
    "command", "submit_line", "comment", "source", "latency", "release", "version", "priority",
    "job_submit_user_msg", "description", "array_task_string", "tres_req_str", "tres_alloc_str",
    "cpus", "memory_per_node", "memory_per_cpu", "minimum_cpus", "node_count", "restart_cnt",
    "allocating_node", "alloc_node", "alloc_sid", "container", "job_resources", "sockets_per_node",
}
TIME_KEY = re.compile(r"(_time|_update|_backfill|^time$|^eligible|^deadline|^accrue|^resize|^suspend|_at$)")
# values compared (key names; anywhere in a body)
COMPARED_KEYS = {"job_state", "state_reason", "pinged", "responding", "return_code", "signal", "error_number",
                 "status", "code", "results", "hostnames", "hostlist"}


@dataclass
class Step:
    name: str
    method: str
    path: str                      # "{v}" = API version, "{job}" = id saved by an earlier step
    body: dict | list | None = None
    params: dict | None = None
    auth: str = "token"            # token | none | garbage
    save: str | None = None        # save body.job_id under this name (or the value at `save_from`)
    save_from: str | None = None   # dotted path of the value to save ("clusters.0.name")
    wait: str | None = None        # before the request: wait until job {wait} is finished | "running:<name>"
                                   # | "settled:<name>" (no longer COMPLETING)
    timing: bool = False           # timing-dependent: compare status and structure only
    family: str = "slurm"
    resend_while_running: str | None = None   # a signal: sent again while job {name} still runs (below)


def _desc(script="sleep 2", **kw) -> dict:
    d = {"script": "#!/bin/bash\n" + script + "\n", "environment": ["PATH=/bin:/usr/bin"],
         "current_working_directory": "/tmp", "name": "contract-diff", "tasks": 1,
         "time_limit": {"set": True, "infinite": False, "number": 5},
         "memory_per_node": {"set": True, "infinite": False, "number": 100}}   # see client.Slurm.desc
    d.update(kw)
    return d


def _newer(version: str, than: str) -> bool:
    return tuple(int(x) for x in version[1:].split(".")) >= tuple(int(x) for x in than[1:].split("."))


def scenario_for(version: str) -> list[Step]:
    """The steps for one API version: the common ones, then what only newer versions have."""
    steps = scenario()
    if _newer(version, "v0.0.39"):     # 22.05.8 refuses this QOS body (400, 9200): no limit to hold a job by
        steps += qos_limit()
    if _newer(version, "v0.0.44"):
        steps += [
            Step("hostnames", "POST", "/util/{v}/hostnames", {"hostlist": "n[1-3],m1"}, family="util"),
            Step("hostnames bad", "POST", "/util/{v}/hostnames", {"hostlist": "n[1-"}, family="util"),
            Step("hostnames empty", "POST", "/util/{v}/hostnames", {}, family="util"),
            Step("hostlist", "POST", "/util/{v}/hostlist", {"hostnames": ["n1", "n2", "n3", "m1"]}, family="util"),
        ]
    if _newer(version, "v0.0.45"):
        steps += [
            Step("requeue unknown job", "GET", "/slurm/{v}/job/999999998/requeue"),
            Step("submit for requeue", "POST", "/slurm/{v}/job/submit", {"job": _desc("sleep 600")}, save="rq"),
            Step("requeue running", "GET", "/slurm/{v}/job/{rq}/requeue", wait="running:rq"),
            # real 26.05.5 shows [PENDING, COMPLETING] (reason None) or already [PENDING] (BeginTime) right
            # after a requeue, as fast as its slurmd kills the script: compared once COMPLETING is over
            Step("requeued job", "GET", "/slurm/{v}/job/{rq}", wait="settled:rq"),
            Step("requeue pending", "GET", "/slurm/{v}/job/{rq}/requeue"),
            Step("requeue special exit without hold", "GET", "/slurm/{v}/job/{rq}/requeue",
                 params={"SpecialExit": ""}),
            Step("batch requeue without jobs", "POST", "/slurm/{v}/jobs/requeue", {}),
            Step("conf", "GET", "/slurm/{v}/conf", timing=True),
            Step("create partition", "POST", "/slurm/{v}/partitions/",
                 {"partitions": [{"name": "contract-scratch", "nodes": {"configured": "ALL"}}]}),
            Step("created partition", "GET", "/slurm/{v}/partition/contract-scratch", timing=True),
            Step("partition without name", "POST", "/slurm/{v}/partitions/",
                 {"partitions": [{"nodes": {"configured": "ALL"}}]}),
            Step("partitions empty body", "POST", "/slurm/{v}/partitions/", {}),
            Step("delete partition", "DELETE", "/slurm/{v}/partition/contract-scratch"),
            Step("delete partition again", "DELETE", "/slurm/{v}/partition/contract-scratch"),
            Step("slurmdbd conf", "GET", "/slurmdb/{v}/conf", family="slurmdb", timing=True),
        ]
    return steps


def scenario() -> list[Step]:
    no_env = {k: v for k, v in _desc().items() if k != "environment"}
    no_cwd = {k: v for k, v in _desc().items() if k != "current_working_directory"}
    return [
        Step("ping", "GET", "/slurm/{v}/ping/"),
        Step("partitions", "GET", "/slurm/{v}/partitions/"),
        Step("nodes", "GET", "/slurm/{v}/nodes/"),
        Step("jobs", "GET", "/slurm/{v}/jobs/", timing=True),
        Step("unknown job", "GET", "/slurm/{v}/job/999999998"),
        Step("non-numeric job id", "GET", "/slurm/{v}/job/abc"),
        Step("unknown partition", "GET", "/slurm/{v}/partition/nosuchpart"),
        Step("unknown node", "GET", "/slurm/{v}/node/nosuchnode"),
        Step("submit ok", "POST", "/slurm/{v}/job/submit", {"job": _desc()}, save="ok"),
        Step("job right after submit", "GET", "/slurm/{v}/job/{ok}", timing=True),
        Step("completed job", "GET", "/slurm/{v}/job/{ok}", wait="ok"),
        Step("submit exit 3", "POST", "/slurm/{v}/job/submit", {"job": _desc("sleep 1\nexit 3")}, save="fail"),
        Step("failed job", "GET", "/slurm/{v}/job/{fail}", wait="fail"),
        Step("cancel finished job", "DELETE", "/slurm/{v}/job/{fail}"),
        Step("update finished job", "POST", "/slurm/{v}/job/{fail}", {"name": "x"}),
        Step("submit empty", "POST", "/slurm/{v}/job/submit", {}),
        Step("submit without environment", "POST", "/slurm/{v}/job/submit", {"job": no_env}),
        Step("submit without cwd", "POST", "/slurm/{v}/job/submit", {"job": no_cwd}),
        Step("submit unknown field", "POST", "/slurm/{v}/job/submit", {"job": _desc(hold=True, nosuchfield="x")},
             save="unknownfield"),
        Step("submit wrong type", "POST", "/slurm/{v}/job/submit", {"job": _desc(tasks="two")}),
        Step("submit held", "POST", "/slurm/{v}/job/submit", {"job": _desc(hold=True)}, save="held"),
        Step("update held name", "POST", "/slurm/{v}/job/{held}", {"name": "contract-renamed"}),
        Step("cancel held", "DELETE", "/slurm/{v}/job/{held}"),
        Step("cancelled held job", "GET", "/slurm/{v}/job/{held}", wait="held"),
        Step("submit long", "POST", "/slurm/{v}/job/submit", {"job": _desc("sleep 600")}, save="long"),
        Step("update running tasks", "POST", "/slurm/{v}/job/{long}", {"tasks": 2}, wait="running:long"),
        Step("signal running SIGTERM", "DELETE", "/slurm/{v}/job/{long}", params={"signal": "SIGTERM"},
             resend_while_running="long"),
        Step("signalled job", "GET", "/slurm/{v}/job/{long}", wait="long"),
        Step("update unknown job", "POST", "/slurm/{v}/job/999999998", {"name": "x"}),
        Step("cancel unknown job", "DELETE", "/slurm/{v}/job/999999998"),
        Step("cancel unknown held", "DELETE", "/slurm/{v}/job/{unknownfield}"),
        Step("bad flags", "GET", "/slurm/{v}/jobs/", params={"flags": "NOPE"}, timing=True),
        Step("no token", "GET", "/slurm/{v}/jobs/", auth="none"),
        Step("garbage token", "GET", "/slurm/{v}/jobs/", auth="garbage"),
        Step("garbage token ping", "GET", "/slurm/{v}/ping/", auth="garbage"),
        Step("unknown path", "GET", "/slurm/{v}/no-such-endpoint"),
        Step("wrong method", "PUT", "/slurm/{v}/jobs/"),
        Step("hetjob id in path", "GET", "/slurm/{v}/job/9+1"),
        Step("malformed json", "POST", "/slurm/{v}/job/submit", "{not json"),
        Step("slurmdb ping", "GET", "/slurmdb/{v}/ping/", family="slurmdb"),
        Step("slurmdb accounts", "GET", "/slurmdb/{v}/accounts/", family="slurmdb", timing=True),
        Step("slurmdb unknown account", "GET", "/slurmdb/{v}/account/nosuchaccount", family="slurmdb"),
        Step("slurmdb delete unknown account", "DELETE", "/slurmdb/{v}/account/nosuchaccount", family="slurmdb"),
        Step("slurmdb garbage token", "GET", "/slurmdb/{v}/accounts/", auth="garbage", family="slurmdb"),
        *enforcement(),
    ]


def enforcement() -> list[Step]:
    """AccountingStorageEnforce=associations,limits,qos (issue #8): an account without an association and an
    unknown QOS are refused at submit. Needs slurmdbd (family slurmdb)."""
    db = {"family": "slurmdb"}
    return [
        Step("submit for an account without association", "POST", "/slurm/{v}/job/submit",
             {"job": _desc(account="contract-noassoc")}, **db),
        Step("submit for an unknown qos", "POST", "/slurm/{v}/job/submit", {"job": _desc(qos="contract-noqos")}, **db),
        Step("slurmdb clusters", "GET", "/slurmdb/{v}/clusters/", save="cluster", save_from="clusters.0.name",
             timing=True, **db),
    ]


def qos_limit() -> list[Step]:
    """A QOS with MaxJobsPerUser=1 holds root's second job until the first ends; the QOS is removed at the
    end, so a run leaves nothing behind. After `enforcement()`, whose steps saved the cluster's name."""
    one = {"name": "contract-one", "description": "contract-one",
           "limits": {"max": {"jobs": {"active_jobs": {"per": {"user": 1}}}}}}
    db = {"family": "slurmdb"}
    return [
        Step("create qos MaxJobsPerUser=1", "POST", "/slurmdb/{v}/qos/", {"qos": [one]}, **db),
        Step("submit for a qos the association lacks", "POST", "/slurm/{v}/job/submit",
             {"job": _desc(qos="contract-one")}, **db),
        Step("allow the qos to root", "POST", "/slurmdb/{v}/associations/", {"associations": [
            {"account": "root", "user": "root", "cluster": "{cluster}", "qos": ["normal", "contract-one"]}]}, **db),
        Step("submit first under the qos", "POST", "/slurm/{v}/job/submit",
             {"job": _desc("sleep 600", qos="contract-one")}, save="q1", **db),
        Step("submit second under the qos", "POST", "/slurm/{v}/job/submit",
             {"job": _desc("sleep 600", qos="contract-one")}, save="q2", **db),
        Step("second held by MaxJobsPerUser", "GET", "/slurm/{v}/job/{q2}", wait="running:q1", **db),
        Step("cancel first", "DELETE", "/slurm/{v}/job/{q1}", **db),
        Step("second starts when the first ends", "GET", "/slurm/{v}/job/{q2}", wait="running:q2", **db),
        Step("cancel second", "DELETE", "/slurm/{v}/job/{q2}", **db),
        Step("delete the qos", "DELETE", "/slurmdb/{v}/qos/contract-one", wait="q2", **db),
    ]


@dataclass
class Side:
    label: str
    target: Target
    version: str
    saved: dict = field(default_factory=dict)
    http: httpx.Client | None = None

    def __post_init__(self):
        self.http = httpx.Client(base_url=self.target.url, timeout=60)

    def headers(self, auth: str) -> dict:
        if auth == "none":
            return {}
        if auth == "garbage":
            return {"X-SLURM-USER-TOKEN": "not-a-jwt"}
        return self.target.headers()

    def job(self, job_id) -> dict | None:
        r = self.http.get(f"/slurm/{self.version}/job/{job_id}", headers=self.headers("token"))
        recs = r.json().get("jobs", []) if r.status_code == 200 else []
        return next((j for j in recs if int(j.get("job_id", -1)) == int(job_id)), recs[0] if recs else None)

    def wait(self, spec: str, timeout: float = 180) -> None:
        running, settled = spec.startswith("running:"), spec.startswith("settled:")
        job_id = self.saved.get(spec.split(":", 1)[-1])
        if job_id is None:
            return
        deadline = time.time() + timeout
        while time.time() < deadline:
            rec = self.job(job_id)
            state = base_state(rec) if rec else ""
            if running and state == "RUNNING":
                return
            if settled and rec and "COMPLETING" not in (rec.get("job_state") or []):
                return
            if state in FINISHED and (running or "COMPLETING" not in (rec.get("job_state") or [])):
                return
            time.sleep(0.1 if self.target.is_mock else 0.5)

    def run(self, step: Step):
        if step.wait:
            self.wait(step.wait)
        path = self._fill(step.path)
        if "{" in path:
            return None                          # an earlier step failed to create what this one needs
        headers = self.headers(step.auth)
        kw = {}
        if isinstance(step.body, str):
            kw["content"] = step.body.encode()
            headers = {**headers, "Content-Type": "application/json"}
        elif step.body is not None:     # written in v0.0.4x shapes; reshaped for this version's schema
            body = self._fill(json.dumps(step.body))
            if re.search(r'"\{[a-z0-9]+\}"', body):
                return None
            doc = test_document()
            kw["json"] = shape.shape(json.loads(body), shape.request_schema(doc, step.method, path), doc)
        r = self.http.request(step.method, path, headers=headers, params=step.params, **kw)
        if self.label == "real":     # the report counts the differential's requests per operation
            recorder.request("differential", operation_for(step.method, path), step.method, path, r.status_code)
        if step.resend_while_running and r.status_code == 200:
            self._resend(step, path, headers, kw)
        if step.save and r.status_code == 200:
            try:
                self.saved[step.save] = _at(r.json(), step.save_from) if step.save_from else int(r.json()["job_id"])
            except (ValueError, KeyError, TypeError, IndexError):
                pass
        return r

    def _resend(self, step: Step, path: str, headers: dict, kw: dict, tries: int = 6) -> None:
        """A real 25.11.7 answers 200 to a signal sent between RUNNING and the batch step's launch on slurmd,
        and loses it (the job ran on for 120 s): as a user would, send it again while the job still runs."""
        job_id = self.saved.get(step.resend_while_running)
        for _ in range(tries):
            deadline = time.time() + (2 if self.target.is_mock else 10)
            while time.time() < deadline:
                rec = self.job(job_id)
                if not rec or base_state(rec) != "RUNNING":
                    return
                time.sleep(0.1 if self.target.is_mock else 0.5)
            self.http.request(step.method, path, headers=headers, params=step.params, **kw)

    def _fill(self, text: str) -> str:
        text = text.replace("{v}", self.version)
        for name, value in self.saved.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def cleanup(self):
        for job_id in self.saved.values():
            if not isinstance(job_id, int):
                continue
            try:
                self.http.delete(f"/slurm/{self.version}/job/{job_id}", headers=self.headers("token"))
            except httpx.HTTPError:
                pass
        self.http.close()


def _at(body, path: str):
    """The value at a dotted path of a JSON body (numbers index lists)."""
    for part in path.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


def media_type(r) -> str:
    return (r.headers.get("content-type") or "").split(";")[0].strip().lower()


def body_of(r):
    if media_type(r) == "application/json":
        try:
            return r.json()
        except ValueError:
            return r.text
    return r.text


def _volatile(key: str | None) -> bool:
    return key is not None and (key in VOLATILE_KEYS or bool(TIME_KEY.search(key)))


def normalise(value, key: str | None = None, inside: bool = False):
    """Volatile values replaced by a placeholder of their kind, also everywhere under a volatile key
    (`job_id: {set, number}`); structure kept."""
    inside = inside or _volatile(key)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "meta":
                out[k] = {"plugin": {"type": (v.get("plugin") or {}).get("type")}} if isinstance(v, dict) else v
            else:
                out[k] = normalise(v, k, inside)
        return out
    if isinstance(value, list):
        return [normalise(v, key, inside) for v in value]
    if inside and not isinstance(value, bool):
        return f"<{type(value).__name__}>"
    return value


def key_paths(value, prefix="") -> set[str]:
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{prefix}.{k}" if prefix else k
            out.add(p)
            if k != "meta":
                out |= key_paths(v, p)
    elif isinstance(value, list):
        for v in value:
            out |= key_paths(v, prefix + "[]")
    return out


def empty_lists(value, prefix="") -> set[str]:
    """Key paths of lists that are empty (or whose items are not objects) in this body."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k != "meta":
                out |= empty_lists(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(value, list):
        if not value:
            out.add(prefix)
        for v in value:
            out |= empty_lists(v, prefix + "[]")
    return out


def compared_values(value, prefix="") -> dict[str, list]:
    """path → list of values at that path, for the keys in COMPARED_KEYS (list positions collapsed)."""
    out: dict[str, list] = {}

    def walk(v, p, key=None):
        if _volatile(key) and key not in COMPARED_KEYS:     # job_resources & co. follow the cluster's shape
            return
        if isinstance(v, dict):
            if key in COMPARED_KEYS:
                out.setdefault(p, []).append(json.dumps(normalise(v), sort_keys=True))
                return
            for k, x in v.items():
                if k != "meta":
                    walk(x, f"{p}.{k}" if p else k, k)
        elif isinstance(v, list) and key not in COMPARED_KEYS:
            for x in v:
                walk(x, p + "[]", key)
        elif key in COMPARED_KEYS:
            out.setdefault(p, []).append(json.dumps(normalise(v, key if not isinstance(v, list) else None),
                                                    sort_keys=True))
    walk(value, prefix)
    return {k: sorted(v) for k, v in out.items()}


def _below_a_key_of(path: str, keys: set) -> bool:
    """`jobs[].job_resources.cpus` is below `jobs[].job_resources` when the other side has that key."""
    cuts = [i for i, ch in enumerate(path) if ch == "." or path.startswith("[]", i)]
    return any(path[:i] in keys for i in cuts)


def compare(step: Step, a, b) -> list[dict]:
    """Disagreements between the real (a) and mock (b) answers of one step."""
    diffs = []

    def d(what, path=None, real=None, mock=None):
        diffs.append({"step": step.name, "request": f"{step.method} {step.path}", "what": what, "path": path,
                      "real": real, "mock": mock})
    if a is None or b is None:
        if (a is None) != (b is None):
            d("not run", real=None if a is None else a.status_code, mock=None if b is None else b.status_code)
        return diffs
    if a.status_code != b.status_code:
        d("status", real=a.status_code, mock=b.status_code)
    if media_type(a) != media_type(b):
        d("content type", real=media_type(a), mock=media_type(b))
    ba, bb = body_of(a), body_of(b)
    if isinstance(ba, str) or isinstance(bb, str):
        if isinstance(ba, str) and isinstance(bb, str) and ba.strip() != bb.strip() and not step.timing:
            d("text", real=ba[:300], mock=bb[:300])
        return diffs
    ka, kb = key_paths(ba), key_paths(bb)
    # the items of a list can only be compared where both sides have some (a real cluster has other jobs)
    ea, eb = empty_lists(ba), empty_lists(bb)
    only_real = {k for k in ka - kb if not any(k.startswith(e + "[]") for e in eb)}
    only_mock = {k for k in kb - ka if not any(k.startswith(e + "[]") for e in ea)}
    if step.timing:     # a value still null on one side (job_resources of a job not started yet) has no keys
        only_real = {k for k in only_real if not _below_a_key_of(k, kb)}
        only_mock = {k for k in only_mock if not _below_a_key_of(k, ka)}
    if only_real:
        d("keys only in real", real=sorted(only_real)[:50])
    if only_mock:
        d("keys only in mock", mock=sorted(only_mock)[:50])
    if not step.timing:
        va, vb = compared_values(ba), compared_values(bb)
        for p in sorted(set(va) | set(vb)):
            if va.get(p) != vb.get(p):
                d("value", p, va.get(p), vb.get(p))
    return diffs


def run(real: Target, mock: Target, version: str) -> dict:
    sides = [Side("real", real, version), Side("mock", mock, version)]
    served = {"slurm": True}
    for family, method, path, body in (("slurmdb", "GET", _slurmdb_probe(version), None),
                                       ("util", "POST", f"/util/{version}/hostnames", {"hostlist": "a"})):
        served[family] = all(s.http.request(method, path, headers=s.headers("token"), json=body).status_code
                             not in (404, 405) for s in sides)
    disagreements, steps, relaxed = [], [], []
    release = real.release(version)
    try:
        for step in scenario_for(version):
            if not served.get(step.family, True):
                steps.append({"step": step.name, "skipped": f"/{step.family}/ not served by both targets"})
                continue
            ra, rb = (s.run(step) for s in sides)
            diffs, listed = [], []
            for x in compare(step, ra, rb):
                (listed if known(x, step, version, release) else diffs).append(x)
            disagreements += diffs
            relaxed += listed
            steps.append({"step": step.name, "request": f"{step.method} {step.path}",
                          "real": None if ra is None else [ra.status_code, media_type(ra)],
                          "mock": None if rb is None else [rb.status_code, media_type(rb)],
                          "disagreements": len(diffs)})
    finally:
        for s in sides:
            s.cleanup()
    return {"version": version, "real": {"url": real.url, "release": real.release(version)},
            "mock": {"url": mock.url, "release": mock.release(version)},
            "steps": steps, "disagreements": disagreements, "relaxed": relaxed}


def _slurmdb_probe(version: str) -> str:
    """A request that only a daemon serving /slurmdb/ answers: its ping, or (22.05 has none) the
    document's first parameterless GET there."""
    paths = [p for p in test_document()["paths"] if p.startswith(f"/slurmdb/{version}/")]
    if not paths or any(p.rstrip("/").endswith("/ping") for p in paths):
        return f"/slurmdb/{version}/ping/"
    gets = sorted(p for p in paths if "{" not in p and "get" in test_document()["paths"][p])
    return gets[0] if gets else f"/slurmdb/{version}/ping/"


def known(diff: dict, step: Step, version: str, release: str | None) -> bool:
    """Whether divergences.toml lists this disagreement (check "differential") for the real release; the
    entry's id is kept on the disagreement, which the report lists apart."""
    from .conformance import divergence_table
    path = step.path.replace("{v}", version)
    oid = operation_for(step.method, re.sub(r"{[^}]+}", "1", path)) or ""
    subject = f"{step.name}: {diff['what']} {diff.get('path') or ''}"
    found = divergence_table().find(("differential",), oid, None, subject, release)
    if found is not None:
        diff["divergence"] = found.id
    return found is not None


def render_text(result: dict) -> str:
    lines = [f"Differential run, {result['version']}: real {result['real']['url']} (Slurm "
             f"{result['real']['release']}) vs mock (profile {result['mock']['release']})",
             f"{len(result['steps'])} steps, {len(result['disagreements'])} disagreements, "
             f"{len(result.get('relaxed', []))} listed in divergences.toml", ""]
    for s in result["steps"]:
        mark = "skip" if "skipped" in s else ("DIFF" if s["disagreements"] else "same")
        lines.append(f"[{mark}] {s['step']}: " + (s.get("skipped") or f"real {s['real']} mock {s['mock']}"))
    if result["disagreements"]:
        lines += ["", "Disagreements", "-------------"]
        for x in result["disagreements"]:
            where = f" at {x['path']}" if x["path"] else ""
            lines.append(f"- {x['step']} ({x['request']}): {x['what']}{where}: real={x['real']!r} mock={x['mock']!r}")
    if result.get("relaxed"):
        lines += ["", "Listed divergences (not failures)", "---------------------------------"]
        for x in result["relaxed"]:
            where = f" at {x['path']}" if x["path"] else ""
            lines.append(f"- [{x['divergence']}] {x['step']}: {x['what']}{where}: real={x['real']!r} mock={x['mock']!r}")
    return "\n".join(lines) + "\n"


def file_name(version: str, ext: str) -> str:
    return f"differential-{version}.{ext}"


def write(result: dict, out_dir: str | Path | None = None) -> Path:
    from .report import report_dir
    out = Path(out_dir) if out_dir else report_dir()
    out.mkdir(parents=True, exist_ok=True)
    (out / file_name(result["version"], "json")).write_text(json.dumps(result, indent=2))
    (out / file_name(result["version"], "txt")).write_text(render_text(result))
    return out


def mock_for(real: Target) -> Target:
    """A mock imitating the real target's release (`--profile`), with tokens for the same user name."""
    extra = os.environ.get("CONTRACT_DIFF_MOCK_ARGS")
    if extra is None:
        series = ".".join(real.release().split(".")[:2])
        extra = f"--profile {series}" if re.match(r"^\d+\.\d+$", series) else ""
    # the real clock's pace: at --speed 20 a finished job outlives MinJobAge (300 s) in 15 s of wall time,
    # while the real side may still be waiting for its own
    mock = start_mock(extra.split(), speed="1")
    if real.user != mock.user:
        mock.user = real.user
        mock.token = mock.mint(real.user, 24 * 3600)
    return mock


def main(argv=None) -> int:
    real = external_target()
    if real is None:
        print("differential: set SLURMRESTD_URL and SLURM_JWT (the real daemon); the mock is started here",
              file=sys.stderr)
        return 2
    versions = [v.strip() for v in os.environ.get("CONTRACT_DIFF_VERSION", DEFAULT_VERSION).split(",") if v.strip()]
    mock = mock_for(real)
    failed = False
    try:
        for version in versions:
            result = run(real, mock, version)
            out = write(result)
            print(render_text(result))
            print(f"written: {out / file_name(version, 'txt')} and .json")
            failed = failed or bool(result["disagreements"])
    finally:
        mock.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
