#!/usr/bin/env python3
"""Execute mode's wall-time overhead per job, on this machine: submit → the script's first line runs, and the
script's last line → the job reads COMPLETED. Real time (execute mode has no other clock).

  python bench/execute_overhead.py [--jobs 20] [--sched-interval 1]

The default cluster's scheduler passes once a second (`[runtime] sched_interval = 1`), so submit → start is
up to that plus the start itself; the second figure shows the start cost alone with passes every 0.05 s."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from mockrestd.auth import mint_token  # noqa: E402
from tests.e2e.conftest import free_port  # noqa: E402

SPECS = os.environ.get("MOCKRESTD_SPECS") or str(ROOT.parent / "shared" / "specs")

SCRIPT = "#!/bin/bash\ndate +%s.%N\ntrue\ndate +%s.%N\n"


def measure(jobs: int, sched_interval: float | None, tmp: Path) -> dict:
    key = tmp / "key"
    key.write_bytes(os.urandom(32))
    args = []
    if sched_interval is not None:
        cluster = tmp / f"c{sched_interval}.toml"
        default = (ROOT / "mockrestd/data/default_cluster.toml").read_text()
        cluster.write_text(default.replace("sched_interval = 1\n", f"sched_interval = {sched_interval}\n"))
        args = ["--cluster", str(cluster)]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "mockrestd", "serve", f"127.0.0.1:{port}", "--jwt-key",
                             str(key), "--specs", SPECS, "--execute", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    starts, ends = [], []
    try:
        with httpx.Client(base_url=url, headers={"X-SLURM-USER-TOKEN": mint_token(key.read_bytes(), "alice", 3600)}, timeout=5) as c:
            for _ in range(300):
                try:
                    if c.get("/slurm/v0.0.44/ping/").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            for i in range(jobs):
                out = tmp / f"o{sched_interval}-{i}.out"
                body = {"job": {"script": SCRIPT, "environment": ["PATH=/bin:/usr/bin"],
                                "current_working_directory": str(tmp), "standard_output": str(out)}}
                t_submit = time.time()
                job_id = c.post("/slurm/v0.0.44/job/submit", json=body).json()["job_id"]
                while "COMPLETED" not in (state := c.get(f"/slurm/v0.0.44/job/{job_id}").json()["jobs"][0]
                                          ["job_state"]):
                    assert not {"FAILED", "CANCELLED"} & set(state), state
                    time.sleep(0.005)
                t_completed = time.time()
                first, last = map(float, out.read_text().split())
                starts.append(first - t_submit)
                ends.append(t_completed - last)
    finally:
        proc.terminate()
        proc.wait(10)
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]   # noqa: E731
    return {"sched_interval": sched_interval or 1, "jobs": jobs,
            "submit_to_start_ms": {"median": statistics.median(starts) * 1e3, "p90": q(starts, 0.9) * 1e3},
            "end_to_completed_ms": {"median": statistics.median(ends) * 1e3, "p90": q(ends, 0.9) * 1e3}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        rows = [measure(args.jobs, None, Path(d)), measure(args.jobs, 0.05, Path(d))]
    print(f"{'sched_interval':>15} {'jobs':>5} {'submit→start ms (median/p90)':>30} "
          f"{'end→COMPLETED ms (median/p90)':>31}")
    for r in rows:
        s, e = r["submit_to_start_ms"], r["end_to_completed_ms"]
        print(f"{r['sched_interval']:>15g} {r['jobs']:>5} {s['median']:>18.0f} / {s['p90']:<9.0f} "
              f"{e['median']:>19.0f} / {e['p90']:<9.0f}")


if __name__ == "__main__":
    main()
