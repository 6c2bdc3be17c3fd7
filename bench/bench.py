#!/usr/bin/env python3
"""Figures for mockrestd, measured side by side in one run (these machines are noisy: compare ratios).

  python bench/bench.py [--jobs 1000] [--seconds 5] [--concurrency 4] [--rounds 5] [--no-uvicorn]
  SLURMRESTD_URL=... SLURM_JWT=... python bench/bench.py    # also measure a real slurmrestd the same way

Prints: start-up time to the first answered ping (with an empty state dir, after `specs sync`, warm; with
`--specs` and with the default folder); in-process ms per `GET /slurm/v0.0.44/jobs/` with N jobs
(through the whole ASGI app: gate, connexion, handler, renderer) for the old path (no item cache, stdlib
JSON), without the item cache, with it, and with it after a scheduler pass (which evaluates every pending
job again), in interleaved rounds, and whether all bodies are the same bytes; then requests/s of that call and of /ping under uvicorn, for a server with the cache and one
on the old path (`MOCKRESTD_RENDER_CACHE=0 MOCKRESTD_JSON=stdlib`), with their RSS; and the same for a
real daemon when given."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SPECS = os.environ.get("MOCKRESTD_SPECS") or str(ROOT.parent / "shared" / "specs")
JOB = {"script": "#!/bin/bash\nsleep 100000", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}
OLD_PATH_ENV = {"MOCKRESTD_RENDER_CACHE": "0", "MOCKRESTD_JSON": "stdlib"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mock(key: Path, speed: float = 1.0, env: dict | None = None, specs: str | None = SPECS,
               cwd: Path = ROOT):
    """A `mockrestd serve` process (`specs` None: no --specs, the default folder; `cwd`: the checkout it runs
    from), its URL, a root token and the seconds from spawning it to its first answered ping."""
    port = free_port()
    token = token_for(key, "root")
    url = f"http://127.0.0.1:{port}"
    # one client for all the polls: `httpx.get` makes a client (and an SSL context) per call, ~70 ms of CPU,
    # which every 10 ms took a core from the server starting beside it
    with httpx.Client(headers={"X-SLURM-USER-TOKEN": token}, timeout=1) as client:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "mockrestd", "serve", f"127.0.0.1:{port}", "--jwt-key",
                                 str(key), *(["--specs", specs] if specs else []), "--speed", str(speed)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=str(cwd))
        while True:
            try:
                if client.get(f"{url}/slurm/v0.0.44/ping/").status_code == 200:
                    return proc, url, token, time.perf_counter() - t0
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise SystemExit("mockrestd serve exited")
            time.sleep(0.01)


def token_for(key: Path, user: str) -> str:
    from mockrestd.auth import mint_token
    return mint_token(key.read_bytes(), user, 3600)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---- in-process ----------------------------------------------------------------------------------------

async def asgi_get(app, path: str, headers: dict) -> tuple[int, bytes]:
    """One GET through the ASGI app, no server and no client library in between."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 6820)}
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def in_process(args, key: Path) -> None:
    from mockrestd.engine.clock import ManualClock
    from mockrestd.http.app import build_site, create_app
    from mockrestd.render import renderer as render_module

    site = build_site(specs_dir=SPECS, jwt_key=key, clock=ManualClock(1_760_000_000))
    app = create_app(site)
    for _ in range(args.jobs):
        site.cluster.submit(dict(JOB), "alice")
    site.cluster.clock.advance(5)           # the scheduler has run: some jobs run, the rest pend
    states: dict = {}
    for rec in site.cluster.job_records():
        states[rec["job_state"][0]] = states.get(rec["job_state"][0], 0) + 1
    headers = {"X-SLURM-USER-TOKEN": token_for(key, "root")}
    path = "/slurm/v0.0.44/jobs/"
    fast_json = render_module.FAST_JSON

    def mode(cache: bool, fast: bool, scheduler_pass: bool = False):
        def apply():
            site.renderer("v0.0.44").cache = cache
            render_module.FAST_JSON = fast and fast_json
            if scheduler_pass:      # what each submit or job end brings: every pending job evaluated again
                site.cluster._schedule()
        return apply

    modes = {"old path (no item cache, stdlib JSON)": mode(False, False),
             "no item cache (records + walk + orjson)": mode(False, True),
             "item cache (unchanged jobs)": mode(True, True),
             "item cache, a scheduler pass before each": mode(True, True, scheduler_pass=True)}
    times: dict = {name: [] for name in modes}
    bodies: dict = {}
    loop = asyncio.new_event_loop()
    try:
        for apply in modes.values():        # warm up: compile the schemas, fill the cache
            apply()
            loop.run_until_complete(asgi_get(app, path, headers))
        for _ in range(args.rounds):
            for name, apply in modes.items():
                apply()
                # one untimed request first: the garbage (and the collection it brings) of the path before
                # belongs to that path, not to this one
                loop.run_until_complete(asgi_get(app, path, headers))
                for _ in range(3):
                    apply()
                    t0 = time.perf_counter()
                    status, body = loop.run_until_complete(asgi_get(app, path, headers))
                    times[name].append(time.perf_counter() - t0)
                    assert status == 200, body[:300]
                bodies[name] = body
    finally:
        render_module.FAST_JSON = fast_json
        site.renderer("v0.0.44").cache = True
        loop.close()
    same = len(set(bodies.values())) == 1
    size = len(next(iter(bodies.values())))
    print(f"in-process GET {path} with {args.jobs} jobs ({', '.join(f'{n} {s}' for s, n in states.items())}), "
          f"{size / 1e6:.1f} MB, median of {args.rounds} interleaved rounds x 3 requests:")
    base = statistics.median(times[next(iter(modes))])
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:42s} {med * 1000:8.1f} ms/request  {1 / med:7.1f} req/s  {base / med:5.1f}x")
    print(f"  bodies of all paths byte-identical: {'yes' if same else 'NO'}")


# ---- under uvicorn -------------------------------------------------------------------------------------

async def rate(url: str, token: str, seconds: float, concurrency: int) -> tuple[float, float]:
    """Requests per second and median latency (ms) of GET url with `concurrency` keep-alive connections.

    The client is a few lines of asyncio on a raw socket (request out, headers, `Content-Length` bytes in):
    on these small machines a full HTTP client reading megabytes costs as much CPU as the server does."""
    parts = httpx.URL(url)
    request = (f"GET {parts.raw_path.decode()} HTTP/1.1\r\nHost: {parts.host}:{parts.port}\r\n"
               f"X-SLURM-USER-TOKEN: {token}\r\nAccept: application/json\r\n\r\n").encode()
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker():
        reader, writer = await asyncio.open_connection(parts.host, parts.port)
        try:
            while time.perf_counter() < stop:
                t = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), None)
                if status != 200 or length is None:
                    raise SystemExit(f"GET {url}: {head.decode(errors='replace')}")
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t)
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return len(latencies) / elapsed, statistics.median(latencies) * 1000


def fill(url: str, token: str, n: int, version: str = "v0.0.44") -> float:
    """Submit up to n jobs; returns the seconds of the first full GET after that, timed on its own: it
    pays for the scheduler passes that every submit asked for a second later (the engine runs them when
    it is next asked, here), and every record in it is new."""
    with httpx.Client(headers={"X-SLURM-USER-TOKEN": token}, timeout=300) as c:
        have = len(c.get(f"{url}/slurm/{version}/jobs/").json()["jobs"])
        for _ in range(max(0, n - have)):
            c.post(f"{url}/slurm/{version}/job/submit", json={"job": JOB}).raise_for_status()
        time.sleep(1.5)          # past the scheduler pass that follows the last submit
        t0 = time.perf_counter()
        c.get(f"{url}/slurm/{version}/jobs/").raise_for_status()
        return time.perf_counter() - t0


def measure(name: str, url: str, token: str, args, pid: int | None = None) -> dict:
    first = fill(url, token, args.jobs)
    jobs_rps, jobs_ms = asyncio.run(rate(f"{url}/slurm/v0.0.44/jobs/", token, args.seconds, args.concurrency))
    ping_rps, ping_ms = asyncio.run(rate(f"{url}/slurm/v0.0.44/ping/", token, args.seconds, args.concurrency))
    size = len(httpx.get(f"{url}/slurm/v0.0.44/jobs/", headers={"X-SLURM-USER-TOKEN": token}, timeout=120).content)
    out = {"target": name, "jobs_rps": jobs_rps, "jobs_ms": jobs_ms, "ping_rps": ping_rps, "ping_ms": ping_ms,
           "jobs_body_kb": size / 1024, "first_s": first}
    if pid:
        out["rss_mb"] = rss_mb(pid)
    return out


def under_uvicorn(args, key: Path) -> None:
    rows = []
    for name, env in (("mockrestd", {}), ("mockrestd old path", OLD_PATH_ENV)):
        proc, url, token, _ = start_mock(key, env=env)
        try:
            rss0 = rss_mb(proc.pid)
            rows.append(measure(name, url, token, args, proc.pid))
            rows[-1]["rss_idle_mb"] = rss0
        finally:
            proc.terminate()
            proc.wait()
    if os.environ.get("SLURMRESTD_URL") and os.environ.get("SLURM_JWT"):
        rows.append(measure("real slurmrestd", os.environ["SLURMRESTD_URL"].rstrip("/"), os.environ["SLURM_JWT"],
                            args))

    print(f"uvicorn: GET /slurm/v0.0.44/jobs/ with {args.jobs} jobs, {args.concurrency} clients, "
          f"{args.seconds:.0f} s each:")
    for r in rows:
        extra = f", RSS {r['rss_idle_mb']:.0f} MB idle -> {r['rss_mb']:.0f} MB" if "rss_mb" in r else ""
        print(f"  {r['target']:19s} jobs {r['jobs_rps']:7.1f} req/s (median {r['jobs_ms']:.0f} ms, "
              f"{r['jobs_body_kb']:.0f} KB)  ping {r['ping_rps']:7.1f} req/s (median {r['ping_ms']:.1f} ms)"
              f"  jobs/ping cost ratio {r['ping_rps'] / max(r['jobs_rps'], 1e-9):.1f}{extra}")
    print(f"  cache/old path: jobs {rows[0]['jobs_rps'] / max(rows[1]['jobs_rps'], 1e-9):.1f}x")
    print("  first GET after filling (scheduler catching up, every record new; not in the rates): "
          + ", ".join(f"{r['target']} {r['first_s']:.1f} s" for r in rows))
    if len(rows) == 3:
        print(f"  mock/real throughput: jobs {rows[0]['jobs_rps'] / rows[2]['jobs_rps']:.2f}x, "
              f"ping {rows[0]['ping_rps'] / rows[2]['ping_rps']:.2f}x")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


STARTUP_CASES = ("empty state dir, no sync", "first start after `specs sync`", "warm start")
STARTUP_FOLDERS = {"--specs SPECS": SPECS, "default folder (no --specs)": None}


def startup_runs(starts: int, key: Path, root: Path = ROOT) -> tuple[dict, list]:
    """(case, folder) -> [(seconds to the first ping, CPU seconds the server used by then)], and the seconds
    each `specs sync` took. Cases: an empty state dir and no sync (nothing computed before: every served
    document is normalised and checked by connexion); the first start after `mockrestd specs sync --from
    SPECS` on an empty state dir (what the README's set-up command gives); the start after that. Every state
    dir is a new temporary one (XDG_STATE_HOME): the user's is not touched. `root`: the checkout to run."""
    made = []

    def state() -> dict:
        made.append(tempfile.mkdtemp(prefix="mockrestd-bench-state-"))
        return {"XDG_STATE_HOME": made[-1]}

    def start(specs, env) -> tuple[float, float]:
        proc, _url, _token, took = start_mock(key, env=env, specs=specs, cwd=root)
        cpu = cpu_seconds(proc.pid)
        proc.terminate()
        proc.wait()
        return took, cpu

    try:
        runs: dict = {(case, folder): [] for case in STARTUP_CASES for folder in STARTUP_FOLDERS}
        syncs = []
        for _ in range(starts):
            for folder, specs in STARTUP_FOLDERS.items():
                runs[(STARTUP_CASES[0], folder)].append(start(specs, state()))
                env = state()
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "mockrestd", "specs", "sync", "--from", SPECS], cwd=str(root),
                               env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               check=True)
                syncs.append(time.perf_counter() - t0)
                runs[(STARTUP_CASES[1], folder)].append(start(specs, env))
                runs[(STARTUP_CASES[2], folder)].append(start(specs, env))
    finally:
        for d in made:
            shutil.rmtree(d, ignore_errors=True)
    return runs, syncs


def print_startup(runs: dict, syncs: list, title: str = "") -> None:
    n = len(next(iter(runs.values())))
    print(f"start-up to first ping{title} (median of {n}: wall s, and the server's CPU s in brackets; "
          f"SPECS = {SPECS}):")
    print(f"  {'':34s}" + "".join(f"{folder:30s}" for folder in STARTUP_FOLDERS))
    for case in STARTUP_CASES:
        cells = []
        for folder in STARTUP_FOLDERS:
            rs = runs[(case, folder)]
            wall, cpu = statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs)
            cells.append(f"{wall:5.2f} s  (cpu {cpu:.2f} s)")
        print(f"  {case:34s}" + "".join(f"{c:30s}" for c in cells))
    print(f"  `mockrestd specs sync` itself (it does that work once): median {statistics.median(syncs):.1f} s; "
          f"all wall runs: " + "; ".join(f"{case} {folder}: " + ", ".join(f"{r[0]:.2f}" for r in rs)
                                         for (case, folder), rs in runs.items() if case != STARTUP_CASES[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--starts", type=int, default=3, help="start-ups measured per case (0: none)")
    ap.add_argument("--startup-only", action="store_true", help="start-up figures only")
    ap.add_argument("--rounds", type=int, default=5, help="in-process rounds (3 requests per path each)")
    ap.add_argument("--no-uvicorn", action="store_true", help="in-process figures only")
    args = ap.parse_args()
    key = Path(tempfile.mkdtemp()) / "jwt_hs256.key"
    key.write_bytes(os.urandom(32))

    if args.starts:
        print_startup(*startup_runs(args.starts, key))
    if args.startup_only:
        return
    in_process(args, key)
    if not args.no_uvicorn:
        under_uvicorn(args, key)


if __name__ == "__main__":
    main()
