"""pytest plugin writing the contract report: per operation what was checked, how many cases, what failed,
what was relaxed by which known divergence; plus every test's outcome. `contract-report.txt` (readable) and
`contract-report.json` (machine-readable) go to CONTRACT_REPORT_DIR (default ./reports/contract/).

Events come from the recorder via each test's `user_properties` (so xdist workers' events reach the
controller, which alone writes the files)."""

from __future__ import annotations

import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

EVENTS_KEY = "contract-events"
PLUGIN_NAME = "contract-report"


def report_dir() -> Path:
    return Path(os.environ.get("CONTRACT_REPORT_DIR") or "reports/contract")


def _is_xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


class ContractReport:
    def __init__(self, config):
        self.config = config
        self.events: list[dict] = []
        self.tests: list[dict] = []
        self.started = time.time()

    # -- collection of data ------------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report):
        for name, value in getattr(report, "user_properties", []):
            if name == EVENTS_KEY and report.when == "teardown":
                self.events.extend(value)
        if report.when == "call" or report.outcome != "passed":
            if report.when != "call" and report.outcome == "passed":
                return
            message = ""
            if report.outcome == "failed":
                message = _first_lines(report.longreprtext, 30)
            elif report.outcome == "skipped" and isinstance(report.longrepr, tuple):
                message = str(report.longrepr[2])
            self.tests.append({"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
                               "duration": round(report.duration, 3), "message": message})

    # -- output --------------------------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        out = report_dir()
        out.mkdir(parents=True, exist_ok=True)
        if _is_xdist_worker(self.config):
            # plain `pytest --pyargs contract_tests -n N` does not load this plugin in the controller:
            # every worker leaves its part and (re)writes the report from all parts of this run, so the
            # last worker to finish leaves the complete one
            self._write_from_parts(out, int(exitstatus))
            return
        data = build(self.events, self.tests, time.time() - self.started, int(exitstatus))
        _write(out, data)
        self.written = out

    def _write_from_parts(self, out: Path, exitstatus: int) -> None:
        import fcntl
        winput = self.config.workerinput
        parts = out / ".parts" / str(winput.get("testrunuid", "run"))
        parts.mkdir(parents=True, exist_ok=True)
        part = {"events": self.events, "tests": self.tests, "started": self.started, "exitstatus": exitstatus}
        (parts / f"{winput.get('workerid', 'gw')}.json").write_text(json.dumps(part))
        with open(out / ".parts" / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            events, tests, started, status = [], [], self.started, exitstatus
            for f in sorted(parts.glob("*.json")):
                p = json.loads(f.read_text())
                events += p["events"]
                tests += p["tests"]
                started = min(started, p["started"])
                status = max(status, p["exitstatus"])
            _write(out, build(events, tests, time.time() - started, status))

    def pytest_terminal_summary(self, terminalreporter):
        out = getattr(self, "written", None)
        if out is not None:
            terminalreporter.write_sep("-", f"contract report: {out / 'contract-report.txt'} (+ .json)")


def _write(out: Path, data: dict) -> None:
    (out / "contract-report.json").write_text(json.dumps(data, indent=2))
    (out / "contract-report.txt").write_text(render_text(data))


def _first_lines(text: str, n: int) -> str:
    lines = (text or "").splitlines()
    return "\n".join(lines[-n:])


def build(events: list[dict], tests: list[dict], duration: float, exitstatus: int) -> dict:
    """Aggregate raw events into the report document."""
    inventory = next((e for e in events if e["type"] == "inventory" and "operations" in e), None)
    ops: dict[str, dict] = {}

    def entry(oid: str) -> dict:
        if oid not in ops:
            ops[oid] = {"method": None, "path": None, "excluded": None, "cases": Counter(), "statuses": Counter(),
                        "checks": defaultdict(Counter), "failures": [], "relaxed": Counter(),
                        "scenario_requests": 0, "scenario_tests": set(), "unsent": Counter(),
                        "withheld": Counter()}
        return ops[oid]

    if inventory:
        for item in inventory["operations"]:
            e = entry(item["operation"])
            e["method"], e["path"], e["excluded"] = item["method"], item["path"], item.get("excluded")
    seen_failures = set()
    for ev in events:
        oid = ev.get("operation")
        if ev["type"] == "case":
            e = entry(oid)
            e["cases"][f"{ev['kind']}:{ev['phase']}"] += 1
            e["statuses"][str(ev["status"])] += 1
            for name, result in ev["checks"]:
                e["checks"][name][result] += 1
        elif ev["type"] == "failure":
            key = (oid, ev["check"], ev["title"], ev["subject"][:200])
            if key not in seen_failures:
                seen_failures.add(key)
                entry(oid)["failures"].append({k: ev[k] for k in ("kind", "phase", "status", "check", "title",
                                                                  "subject", "curl") if k in ev})
        elif ev["type"] == "relaxed":
            e = entry(oid)
            e["relaxed"][ev["divergence"]] += 1
            e["checks"][ev["check"]]["relaxed"] += 1
        elif ev["type"] == "unsent":     # `count`: a total per operation, sent by every process that collected it
            unsent = entry(oid)["unsent"]
            if "count" in ev:
                unsent[ev["phase"]] = max(unsent[ev["phase"]], ev["count"])
            else:
                unsent[ev["phase"]] += 1
        elif ev["type"] == "withheld":
            entry(oid)["withheld"][ev["crash"]] += 1
        elif ev["type"] == "request" and oid:
            e = entry(oid)
            e["scenario_requests"] += 1
            e["statuses"][str(ev["status"])] += 1
            e["scenario_tests"].add(ev["test"])
    operations = {}
    for oid in sorted(ops):
        e = ops[oid]
        operations[oid] = {
            "method": e["method"], "path": e["path"], "excluded": e["excluded"],
            "cases": dict(e["cases"]), "total_cases": sum(e["cases"].values()), "not_sent": dict(e["unsent"]),
            "statuses": dict(e["statuses"]),
            "checks": {k: dict(v) for k, v in sorted(e["checks"].items())},
            "failures": e["failures"], "relaxed": dict(e["relaxed"]), "withheld": dict(e["withheld"]),
            "scenario_requests": e["scenario_requests"], "scenario_tests": sorted(e["scenario_tests"]),
        }
    outcome = Counter(t["outcome"] for t in tests if t["when"] == "call" or t["outcome"] != "passed")
    return {
        "target": {k: v for k, v in (inventory or {}).items() if k not in ("type", "operations")},
        "duration_s": round(duration, 1),
        "exitstatus": exitstatus,
        "summary": {
            "operations": len(operations),
            "operations_exercised": sum(1 for o in operations.values() if o["total_cases"] or o["scenario_requests"]),
            "operations_excluded": sum(1 for o in operations.values() if o["excluded"]),
            "operations_failing": sum(1 for o in operations.values() if o["failures"]),
            "generated_cases": sum(o["total_cases"] for o in operations.values()),
            "failures": sum(len(o["failures"]) for o in operations.values()),
            "relaxed": sum(sum(o["relaxed"].values()) for o in operations.values()),
            "tests": dict(outcome),
        },
        "operations": operations,
        "target_died": [e for e in events if e["type"] == "target_died"][:1],
        "crash_probe": [{k: e[k] for k in ("crash", "version", "outcome", "curl", "release")}
                        for e in events if e["type"] == "crash_probe"],
        "tests": tests,
    }


def render_text(data: dict) -> str:
    t, s = data["target"], data["summary"]
    lines = [
        "Contract report",
        "===============",
        f"target: {t.get('url', '?')} ({t.get('kind', '?')}), Slurm {t.get('release', '?')}, "
        f"versions {', '.join(t.get('versions', []))}",
        f"divergences: {t.get('divergences', '?')}   destructive operations: "
        f"{'included' if t.get('destructive') else 'excluded'}",
        f"duration: {data['duration_s']} s   tests: "
        + ", ".join(f"{k} {v}" for k, v in sorted(s["tests"].items())),
        f"operations: {s['operations']} ({s['operations_exercised']} exercised, {s['operations_excluded']} "
        f"excluded, {s['operations_failing']} with failures); generated cases: {s['generated_cases']}; "
        f"distinct failures: {s['failures']}; failures relaxed as known divergences: {s['relaxed']}",
        "",
    ]
    for died in data.get("target_died", []):
        lines += died["message"].splitlines() + [""]
    if data.get("crash_probe"):
        lines += ["Crash probe (CONTRACT_CRASH_PROBE=1)", "------------------------------------"]
        for p in data["crash_probe"]:
            lines += [f"{p['crash']} at {p['version']}: {p['outcome']}", f"    {p['curl']}"]
        lines.append("")
    for oid, o in data["operations"].items():
        head = f"{o['method'] or ''} {o['path'] or ''}".strip()
        status = "FAIL" if o["failures"] else ("excluded" if o["excluded"] else "ok")
        lines.append(f"[{status}] {oid}  {head}")
        if o["excluded"]:
            lines.append(f"    excluded: {o['excluded']}")
        if o["cases"]:
            lines.append("    cases: " + ", ".join(f"{k} {v}" for k, v in sorted(o["cases"].items()))
                         + ("" if not o["not_sent"] else "  (over budget, not sent: "
                            + ", ".join(f"{k} {v}" for k, v in o["not_sent"].items()) + ")"))
        if o["scenario_requests"]:
            lines.append(f"    scenario requests: {o['scenario_requests']} ({', '.join(o['scenario_tests'])})")
        if o["statuses"]:
            lines.append("    statuses: " + ", ".join(f"{k}×{v}" for k, v in sorted(o["statuses"].items())))
        if o["checks"]:
            lines.append("    checks: " + "; ".join(
                f"{name} " + "/".join(f"{k} {v}" for k, v in sorted(c.items())) for name, c in o["checks"].items()))
        for div, n in sorted(o["relaxed"].items()):
            lines.append(f"    relaxed ({div}): {n}")
        for crash, n in sorted(o.get("withheld", {}).items()):
            lines.append(f"    withheld: known to crash the daemon ({crash}): {n}")
        for f in o["failures"]:
            lines.append(f"    FAILED {f['check']} [{f['kind']}/{f['phase']}, status {f['status']}]: {f['title']}")
            lines.append(f"        {f['subject'][:300]}")
            if f.get("curl"):
                lines.append(f"        reproduce: {f['curl'][:1500]}")
    bad = [x for x in data["tests"] if x["outcome"] != "passed"]
    if bad:
        lines += ["", "Tests not passed", "----------------"]
        for x in bad:
            lines.append(f"{x['outcome'].upper()} {x['nodeid']} ({x['when']})")
            if x["message"]:
                lines += ["    " + ln for ln in x["message"].splitlines()[-8:]]
    return "\n".join(lines) + "\n"


def register(config) -> None:
    """Register the plugin once (from conftest.py, or `-p contract_tests.report`)."""
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(ContractReport(config), PLUGIN_NAME)


def pytest_configure(config):
    """Entry when loaded with `-p contract_tests.report` (or a pytest11 entry point)."""
    register(config)
