"""Where the server spends its time under load: py-spy samples a `mockrestd serve` while wrk drives one
call, then the top functions by own time and by inclusive time are printed and kept in
bench/results/profile-CALL-TAG.json.

  python -m bench.profile [--call ping|job|jobs|submit] [--jobs 1000] [--seconds 10] [--conns 4]

Needs py-spy (`pip install py-spy`, root or ptrace permission)."""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import tempfile
import threading
from pathlib import Path

import httpx

from .bench import JOB, start_mock
from .figures import MOCK_VERSION, RESULTS, fill, wrk


def top(folded: Path, n: int = 15) -> tuple[list, list, int]:
    own, incl, total = collections.Counter(), collections.Counter(), 0
    for line in folded.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f.split(" (")[0] + " " + f.split(" (")[1].split(":")[0].split("/")[-1] if " (" in f else f
                  for f in stack.split(";")]
        c = int(count)
        total += c
        own[frames[-1]] += c
        for f in set(frames):
            incl[f] += c
    # the frames every sample has (runpy, uvicorn's loop) say nothing
    incl = collections.Counter({f: c for f, c in incl.items() if c < 0.97 * total})
    return own.most_common(n), incl.most_common(n), total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--call", default="ping", choices=("ping", "job", "jobs", "submit"))
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--tag", default="latest")
    args = ap.parse_args()
    key = Path(tempfile.mkdtemp()) / "jwt_hs256.key"
    key.write_bytes(os.urandom(32))
    proc, url, token, _ = start_mock(key)
    try:
        with httpx.Client(headers={"X-SLURM-USER-TOKEN": token}, timeout=600) as c:
            ids = fill(c, url, MOCK_VERSION, args.jobs if args.call != "ping" else 0) or [0]
        target = {"ping": f"{url}/slurm/{MOCK_VERSION}/ping/", "job": f"{url}/slurm/{MOCK_VERSION}/job/{ids[0]}",
                  "jobs": f"{url}/slurm/{MOCK_VERSION}/jobs/",
                  "submit": f"{url}/slurm/{MOCK_VERSION}/job/submit"}[args.call]
        folded = key.parent / f"profile-{args.call}.folded"      # megabytes: only the top entries are kept
        RESULTS.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen(["py-spy", "record", "--format", "raw", "-r", "200", "-d", str(int(args.seconds)),
                                "-o", str(folded), "-p", str(proc.pid)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = {}
        t = threading.Thread(target=lambda: result.update(
            wrk(target, token, args.conns, args.seconds, body={"job": JOB} if args.call == "submit" else None)))
        t.start()
        t.join()
        spy.wait()
    finally:
        proc.terminate()
        proc.wait()
    own, incl, total = top(folded)
    print(f"{args.call} at {args.conns} conns: {result.get('rps', 0):.0f} req/s under py-spy; {total} samples")
    print("  own time:")
    for f, c in own:
        print(f"    {100 * c / total:5.1f}%  {f}")
    print("  inclusive:")
    for f, c in incl:
        print(f"    {100 * c / total:5.1f}%  {f}")
    (RESULTS / f"profile-{args.call}-{args.tag}.json").write_text(json.dumps(
        {"rps": result.get("rps"), "samples": total, "own": own, "inclusive": incl}, indent=1) + "\n")


if __name__ == "__main__":
    main()
