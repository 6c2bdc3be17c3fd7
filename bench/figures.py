"""Issue 12's table in one run: the mock, a bare-ASGI ceiling sending the mock's own bytes under the same
uvicorn, and a real slurmrestd when given, each figure beside its target; JSON and a PNG in bench/results/.

  python -m bench [--seconds 5] [--big 100000] [--out bench/results] [--tag NAME]
  SLURMRESTD_URL=... SLURM_JWT=... python -m bench      # adds the real daemon's column

Every throughput figure is wrk (one thread, N keep-alive connections, `--seconds` each), the same tool
for all three targets. The 100,000-job figures are the mock's alone (a server filled in-process, see
bench/filled.py); the scheduler pass is timed in-process on the engine."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .bench import JOB, ROOT, SPECS, free_port, rss_mb, start_mock, token_for

WRK = shutil.which("wrk") or "/usr/bin/wrk"
RESULTS = ROOT / "bench" / "results"
MOCK_VERSION = "v0.0.44"


# ---- load generator ------------------------------------------------------------------------------------

def wrk(url: str, token: str, conns: int, seconds: float, *, body: dict | None = None) -> dict:
    """Requests/s (and non-2xx count, median latency) of GET url, or POST `body` as JSON, over `conns`
    keep-alive connections. A non-2xx answer closes its connection (slurmrestd's way), so it is counted."""
    cmd = [WRK, "-t1", f"-c{conns}", f"-d{seconds:g}s", "--timeout", "60s", "--latency", "-H", f"X-SLURM-USER-TOKEN: {token}",
           "-H", "Accept: application/json"]
    script = None
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                     f"wrk.body = {json.dumps(json.dumps(body))}\n")
        script.close()
        cmd += ["-s", script.name]
    try:
        out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 120).stdout
    finally:
        if script:
            os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errs = re.search(r"Socket errors:.*", out)
    lat = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    median_ms = None
    if lat:
        median_ms = float(lat.group(1)) * {"us": 1e-3, "ms": 1, "s": 1000}[lat.group(2)]
    return {"rps": rps, "non2xx": int(bad.group(1)) if bad else 0, "median_ms": median_ms,
            "socket_errors": errs.group(0) if errs else ""}


def get(client: httpx.Client, url: str) -> bytes:
    r = client.get(url)
    r.raise_for_status()
    return r.content


def fill(client: httpx.Client, base: str, version: str, n: int) -> list[int]:
    """Submit jobs until the controller holds n; their ids (first is the one looked up)."""
    have = client.get(f"{base}/slurm/{version}/jobs/").json()["jobs"]
    for _ in range(max(0, n - len(have))):
        client.post(f"{base}/slurm/{version}/job/submit", json={"job": JOB}).raise_for_status()
    time.sleep(1.5)                        # past the scheduler pass after the last submit
    return sorted(j["job_id"] for j in client.get(f"{base}/slurm/{version}/jobs/").json()["jobs"])


# ---- one target ----------------------------------------------------------------------------------------

def measure_target(base: str, token: str, version: str, args, *, capture: Path | None = None,
                   submit: bool = True) -> dict:
    """Every throughput figure of one slurmrestd-like server. `capture`: write the bodies it sent there
    (for the ceiling to send the same bytes)."""
    out: dict = {}
    s = args.seconds
    with httpx.Client(headers={"X-SLURM-USER-TOKEN": token}, timeout=600) as c:
        ping = f"{base}/slurm/{version}/ping/"
        for n in (1, 4, 8):
            out[f"ping_{n}"] = wrk(ping, token, n, s)
        ids = fill(c, base, version, args.jobs)
        one = f"{base}/slurm/{version}/job/{ids[0]}"
        for n in (1, 4, 8):
            out[f"job_{n}"] = wrk(one, token, n, s)
        jobs = f"{base}/slurm/{version}/jobs/"
        out["held_jobs"] = len(ids)
        for n in (1, 4):
            out[f"jobs1000_{n}"] = wrk(jobs, token, n, s)
        if capture is not None:
            keep(capture, "ping", f"/slurm/{version}/ping/", get(c, ping))
            keep(capture, "job", f"/slurm/{version}/job/{ids[0]}", get(c, one))
            keep(capture, "jobs1000", f"/slurm/{version}/jobs/", get(c, jobs))
        out["jobs1000_bytes"] = len(get(c, jobs))
        if args.jobs2000:
            fill(c, base, version, 2000)
            out["jobs2000_4"] = wrk(jobs, token, 4, s)
            body = get(c, jobs)
            out["jobs2000_bytes"] = len(body)
            if capture is not None:
                keep(capture, "jobs2000", "/jobs2000/", body)
    if submit:
        out.update(measure_submit(base, token, version, args))
    return out


def measure_submit(base: str, token: str, version: str, args) -> dict:
    out = {}
    for n in (1, 8):
        r = wrk(f"{base}/slurm/{version}/job/submit", token, n, args.seconds, body={"job": JOB})
        out[f"submit_{n}"] = r
    return out


def keep(folder: Path, name: str, path: str, body: bytes) -> None:
    (folder / f"{name}.path").write_text(path)
    (folder / f"{name}.body").write_bytes(body)


def cancel_all(base: str, token: str, version: str, ids_before: set) -> None:
    """Cancel what the run submitted on a real daemon (it is someone's cluster)."""
    with httpx.Client(headers={"X-SLURM-USER-TOKEN": token}, timeout=60) as c:
        for j in c.get(f"{base}/slurm/{version}/jobs/").json()["jobs"]:
            if j["job_id"] not in ids_before and {"PENDING", "RUNNING"} & set(j["job_state"]):
                c.delete(f"{base}/slurm/{version}/job/{j['job_id']}")


# ---- the three targets -----------------------------------------------------------------------------------

def start_times(key: Path, n: int) -> list[float]:
    """Seconds from spawning `mockrestd serve` to its first answered ping, n warm starts. Python may keep
    the bytecode it compiles (a pip install does): with PYTHONDONTWRITEBYTECODE set (as on CI machines)
    every start would compile the package again, so the bytecode goes to a temporary PYTHONPYCACHEPREFIX,
    filled by one start that is not counted."""
    cache = tempfile.mkdtemp(prefix="mockrestd-bench-pyc-")
    saved = {k: os.environ.get(k) for k in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = cache
    out = []
    try:
        for i in range(n + 1):
            proc, _url, _token, took = start_mock(key)
            proc.terminate()
            proc.wait()
            if i:
                out.append(took)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(cache, ignore_errors=True)
    return out


def run_mock(args, key: Path, bodies: Path) -> dict:
    starts = start_times(key, args.starts) if args.starts else []
    proc, url, token, _ = start_mock(key)
    try:
        out = measure_target(url, token, MOCK_VERSION, args, capture=bodies, submit=False)
    finally:
        proc.terminate()
        proc.wait()
    for n in (1, 8):      # each on a cluster of its own: at ~1,000/s two runs would reach MaxJobCount (10,000)
        proc, url, token, _ = start_mock(key)
        try:
            out[f"submit_{n}"] = wrk(f"{url}/slurm/{MOCK_VERSION}/job/submit", token, n, args.seconds,
                                     body={"job": JOB})
        finally:
            proc.terminate()
            proc.wait()
    out["start_s"] = statistics.median(starts) if starts else None
    out["start_all_s"] = starts
    return out


def run_ceiling(args, bodies: Path) -> dict:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.ceiling", str(port), str(bodies)], cwd=str(ROOT),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(f"{base}/slurm/{MOCK_VERSION}/ping/", proc)
        paths = {p.stem: p.read_text() for p in bodies.glob("*.path")}
        s, out = args.seconds, {}
        for n in (1, 4, 8):
            out[f"ping_{n}"] = wrk(base + paths["ping"], "x", n, s)
            out[f"job_{n}"] = wrk(base + paths["job"], "x", n, s)
        for n in (1, 4):
            out[f"jobs1000_{n}"] = wrk(base + paths["jobs1000"], "x", n, s)
        if "jobs2000" in paths:
            out["jobs2000_4"] = wrk(base + paths["jobs2000"], "x", 4, s)
        return out
    finally:
        proc.terminate()
        proc.wait()


def wait_up(url: str, proc) -> None:
    for _ in range(500):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"{url}: server exited")
            time.sleep(0.02)
    raise SystemExit(f"{url}: not up")


def run_real(args) -> dict | None:
    base, token = os.environ.get("SLURMRESTD_URL"), os.environ.get("SLURM_JWT")
    if not (base and token):
        return None
    base = base.rstrip("/")
    version = args.real_version or newest_version(base, token)
    with httpx.Client(headers={"X-SLURM-USER-TOKEN": token}, timeout=60) as c:
        before = {j["job_id"] for j in c.get(f"{base}/slurm/{version}/jobs/").json()["jobs"]}
        release = c.get(f"{base}/slurm/{version}/ping/").json()["meta"]["slurm"].get("release")
    try:
        out = measure_target(base, token, version, args, submit=True)
    finally:
        cancel_all(base, token, version, before)
    out["version"], out["release"] = version, release
    return out


def newest_version(base: str, token: str) -> str:
    env = os.environ.get("SLURM_API_VERSIONS", "")
    if env:
        return sorted(env.split(), key=lambda v: [int(x) for x in v[1:].split(".")])[-1]
    for v in ("v0.0.45", "v0.0.44", "v0.0.43", "v0.0.42", "v0.0.41", "v0.0.40"):
        if httpx.get(f"{base}/slurm/{v}/ping/", headers={"X-SLURM-USER-TOKEN": token}, timeout=10).status_code == 200:
            return v
    raise SystemExit(f"{base}: no known API version answers")


# ---- 100,000 jobs --------------------------------------------------------------------------------------

def start_filled(key: Path, n: int):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bench.filled", str(port), str(key), str(n), "--specs", SPECS],
                            cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(60000):
        try:
            httpx.get(f"{base}/slurm/{MOCK_VERSION}/ping/", timeout=1)
            return proc, base
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit("bench.filled exited")
            time.sleep(0.05)
    raise SystemExit("bench.filled: not up")


def raw_get(base: str, path: str, token: str) -> tuple[float, bytes]:
    """Seconds to the last byte of GET `path`, and the body, read with a bare socket into one buffer: at
    100,000 jobs the body is ~500 MB, and an HTTP client library's reading would be most of the figure."""
    host, port = base.rsplit("//", 1)[1].split(":")
    t0 = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=900) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-SLURM-USER-TOKEN: {token}\r\n"
                  f"Accept: application/json\r\nConnection: close\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit(f"GET {path}: connection closed before the headers")
            head += chunk
        head, _, body = head.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"GET {path}: {head[:60]!r}")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
        buf = bytearray(length)
        buf[:len(body)] = body
        view, got = memoryview(buf), len(body)
        while got < length:
            n = s.recv_into(view[got:], min(length - got, 1 << 22))
            if not n:
                raise SystemExit(f"GET {path}: connection closed after {got} of {length} bytes")
            got += n
    return time.perf_counter() - t0, bytes(buf)


def run_big(args, key: Path) -> dict:
    token = token_for(key, "root")
    out: dict = {"rss_mb": {}, "rss_held_mb": {}, "jobs_get_s": {}, "job_rps": {}, "jobs_bytes": {}}
    path = f"/slurm/{MOCK_VERSION}/jobs/"
    for n in sorted({0, 100, args.big // 10, args.big}):
        proc, base = start_filled(key, n)
        try:
            time.sleep(1.5)                            # past the scheduler pass over the new jobs
            out["rss_held_mb"][n] = rss_mb(proc.pid)   # the jobs alone, before any listing filled a cache
            first, body = raw_get(base, path, token)    # every job rendered for the first time
            listed = json.loads(body)["jobs"]
            times = [raw_get(base, path, token)[0] for _ in range(3)]
            out["jobs_get_s"][n] = {"first": first, "median": statistics.median(times)}
            out["jobs_bytes"][n] = len(body)
            if listed:
                out["job_rps"][n] = wrk(f"{base}/slurm/{MOCK_VERSION}/job/{listed[len(listed) // 2]['job_id']}",
                                        token, 4, args.seconds)["rps"]
            del body, listed
            out["rss_mb"][n] = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait()
    out["sched_pass_s"] = sched_pass_vs_finished(args.big)
    return out


def sched_pass_vs_finished(big: int) -> dict:
    """Seconds of one scheduler pass with 100 pending jobs beside 0, big/100 and big/25 finished ones (cancelled,
    kept until MinJobAge; making more takes minutes here)."""
    from mockrestd.engine import Cluster
    from mockrestd.engine.clock import ManualClock

    out = {}
    for finished in sorted({0, big // 100, big // 25}):
        c = Cluster.default(clock=ManualClock(1_760_000_000))
        quick = dict(JOB, script="#!/bin/bash\ntrue", time_limit=1)
        ids = [c.submit(dict(quick), "alice").job_id for _ in range(finished)]
        for i in ids:
            c.signal_job(str(i), as_user="root")   # cancelled: finished, kept until MinJobAge
        for _ in range(100):
            c.submit(dict(JOB), "alice")
        c.clock.advance(2)
        c.sync()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            c._schedule()
            times.append(time.perf_counter() - t0)
        out[finished] = statistics.median(times)
    return out


# ---- the table -----------------------------------------------------------------------------------------

ROWS = [  # (label, keys, target text)
    ("GET jobs/, 1,000 held jobs, 1 / 4 conns", ["jobs1000_1", "jobs1000_4"], "≥ real"),
    ("GET jobs/, 2,000 jobs, 4 conns", ["jobs2000_4"], "≥ ceiling / 2"),
    ("GET job/{id}, 1 / 4 / 8 conns", ["job_1", "job_4", "job_8"], "≥ ceiling / 2, ≥ real"),
    ("GET ping/, 1 / 4 / 8 conns", ["ping_1", "ping_4", "ping_8"], "≥ ceiling / 2, ≥ real"),
    ("POST job/submit, 1 / 8 clients (per s)", ["submit_1", "submit_8"], "≥ 1,000/s at 8, ≥ real, 8 ≥ 1"),
]


def cell(result: dict | None, keys: list[str]) -> str:
    if not result:
        return "—"
    vals = [result.get(k) for k in keys]
    if all(v is None for v in vals):
        return "—"
    return " / ".join("—" if v is None else (f"{v['rps']:,.0f}" if v["rps"] >= 10 else f"{v['rps']:.1f}")
                      + ("*" if v.get("non2xx") else "") for v in vals)


def ratio(mock: dict, other: dict | None, keys: list[str]) -> str:
    if not other:
        return "—"
    parts = []
    for k in keys:
        if mock.get(k) and other.get(k):
            parts.append(f"{mock[k]['rps'] / other[k]['rps']:.2f}")
        else:
            parts.append("—")
    return " / ".join(parts)


def table(res: dict) -> str:
    mock, ceil, real = res["mock"], res.get("ceiling"), res.get("real")
    real_name = f"real {real['release']} ({real['version']})" if real else "real slurmrestd"
    before = res.get("before")
    extra = " mock before |" if before else ""
    lines = [f"| figure | {real_name} |{extra} mock | bare-ASGI ceiling, same bytes | mock/ceiling | mock/real | target |",
             "|---|---|---|---|---|---|---|" + ("---|" if before else "")]
    for label, keys, target in ROWS:
        held = mock.get("held_jobs")
        if held and held != 1000:
            label = label.replace("1,000 held jobs", f"{held:,} held jobs")
        old = f" {cell(before, keys)} |" if before else ""
        lines.append(f"| {label} | {cell(real, keys)} |{old} {cell(mock, keys)} | {cell(ceil, keys)} | "
                     f"{ratio(mock, ceil, keys)} | {ratio(mock, real, keys)} | {target} |")
    if mock.get("start_s") is not None:
        was = f" {before['start_s']:.2f} |" if before and before.get("start_s") else (" — |" if before else "")
        lines.append(f"| start to first answered ping, 4 versions (s) | — |{was} {mock['start_s']:.2f} | — | — | — | ≤ 1.0 s |")
    big = res.get("big")
    gap = " — |" if before else ""
    if big:
        n = max(int(k) for k in big["rss_mb"])
        js = big["jobs_get_s"].get(n) or big["jobs_get_s"].get(str(n))
        lines.append(f"| {n:,} jobs: GET jobs/ (s; first after filling) | — |{gap} {js['median']:.2f} ({js['first']:.1f}) "
                     f"| — | — | — | ≤ 2 s |")
        jr = {int(k): v for k, v in big["job_rps"].items()}
        lines.append(f"| {n:,} jobs: GET job/{{id}} at 4 conns vs at 100 jobs | — |{gap} "
                     f"{jr.get(n, 0):,.0f} vs {jr.get(100, 0):,.0f} ({jr.get(n, 0) / max(jr.get(100, 1), 1e-9):.2f}x) "
                     f"| — | — | — | ≥ 0.9x |")
        sp = {int(k): v for k, v in big["sched_pass_s"].items()}
        lines.append("| scheduler pass, 100 pending, with " + " / ".join(f"{k:,}" for k in sorted(sp)) + " finished jobs (ms) | — |" + gap + " "
                     + " / ".join(f"{v * 1000:.1f}" for _, v in sorted(sp.items())) + " | — | — | — | flat |")
        for key, what in (("rss_held_mb", "held, before any listing"), ("rss_mb", "after listing them")):
            if not big.get(key):
                continue
            rss = {int(k): v for k, v in big[key].items()}
            per = (rss[n] - rss[0]) * 1024 / n if n else 0
            lines.append(f"| RSS at " + " / ".join(f"{k:,}" for k in sorted(rss)) + f" jobs, {what} (MB; KB per job) | — |"
                         + gap + " " + " / ".join(f"{v:.0f}" for _, v in sorted(rss.items()))
                         + f" ({per:.1f} KB/job) | — | — | — | ≤ 5 KB/job |")
    return "\n".join(lines)


def plot(res: dict, path: Path) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no matplotlib: `pip install -e .[bench]` draws the PNG)", file=sys.stderr)
        return False
    keys = [k for _, ks, _ in ROWS for k in ks]
    names = [("real", res.get("real")), ("mock", res["mock"]), ("ceiling", res.get("ceiling"))]
    if res.get("before"):
        names.insert(1, ("mock before", res["before"]))
    names = [(n, r) for n, r in names if r]
    fig, ax = plt.subplots(figsize=(12, 5))
    width = 0.8 / len(names)
    for i, (name, r) in enumerate(names):
        ax.bar([x + i * width for x in range(len(keys))], [(r.get(k) or {}).get("rps", 0) for k in keys],
               width, label=name)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(keys))])
    ax.set_xticklabels(keys, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("requests/s (log)")
    ax.set_title(f"mockrestd throughput, wrk, loopback ({res['when']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--jobs", type=int, default=1000, help="held jobs for the GET jobs/ and job/{id} figures")
    ap.add_argument("--only", default="real,mock,ceiling,big", help="which parts to run (comma list)")
    ap.add_argument("--starts", type=int, default=3)
    ap.add_argument("--big", type=int, default=100_000, help="jobs for the large-cluster figures (0: none)")
    ap.add_argument("--no-ceiling", action="store_true")
    ap.add_argument("--no-jobs2000", dest="jobs2000", action="store_false")
    ap.add_argument("--real-version", help="API version to ask the real daemon (default: its newest)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--tag", default="latest", help="results file name: figures-TAG.json")
    ap.add_argument("--before", type=Path, help="an earlier figures JSON to show and draw beside this run")
    ap.add_argument("--show", action="store_true", help="measure nothing: print and draw figures-TAG.json")
    args = ap.parse_args()
    key = Path(tempfile.mkdtemp()) / "jwt_hs256.key"
    key.write_bytes(os.urandom(32))
    bodies = Path(tempfile.mkdtemp(prefix="mockrestd-bench-bodies-"))
    res: dict = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "seconds": args.seconds,
                 "tool": subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
                 "cpus": os.cpu_count(), "loadavg": os.getloadavg()}
    if args.show:
        res = json.loads((args.out / f"figures-{args.tag}.json").read_text())
        if args.before:
            res["before"] = json.loads(args.before.read_text())["mock"]
        print(table(res))
        plot(res, args.out / f"throughput-{args.tag}.png")
        return
    only = set(args.only.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    dest = args.out / f"figures-{args.tag}.json"
    if only != {"real", "mock", "ceiling", "big"} and dest.exists():     # a part run again: keep the others
        res = {**json.loads(dest.read_text()), **{k: v for k, v in res.items() if k in ("when",)}}

    def save():          # after every part: a part that fails or is stopped keeps what came before
        dest.write_text(json.dumps(res, indent=1, default=str) + "\n")
    try:
        if "real" in only:
            res["real"] = run_real(args)
            save()
        if "mock" in only:
            res["mock"] = run_mock(args, key, bodies)
            save()
        res.setdefault("mock", {})
        if "ceiling" in only and "mock" in only and not args.no_ceiling:
            res["ceiling"] = run_ceiling(args, bodies)
            save()
        if "big" in only and args.big:
            res["big"] = run_big(args, key)
            save()
    finally:
        shutil.rmtree(bodies, ignore_errors=True)
        shutil.rmtree(key.parent, ignore_errors=True)
    if args.before:
        res["before"] = json.loads(args.before.read_text())["mock"]
    print(table(res))
    print("(* some answers were not 2xx; req/s are wrk's, median of none: one run of --seconds each)")
    if plot(res, args.out / f"throughput-{args.tag}.png"):
        print(f"wrote {args.out / f'figures-{args.tag}.json'} and {args.out / f'throughput-{args.tag}.png'}")
