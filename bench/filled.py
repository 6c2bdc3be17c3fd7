"""`mockrestd serve` with N jobs submitted in-process before it listens (100,000 jobs through HTTP would
take minutes on these machines). The same app, the same uvicorn settings; only the filling differs.

  python -m bench.filled PORT JWT_KEY N [--specs DIR]"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

JOB = {"script": "#!/bin/bash\nsleep 100000", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def main() -> None:
    import uvicorn

    from mockrestd.http.app import build_site, create_app, tune_gc

    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("key")
    ap.add_argument("jobs", type=int)
    ap.add_argument("--specs")
    args = ap.parse_args()
    site = build_site(specs_dir=args.specs, jwt_key=Path(args.key))
    app = create_app(site)
    # slurmctld's MaxJobCount (10,000 by default) would refuse the rest: raised, as `max_job_count` in a
    # cluster file raises it
    site.cluster.max_job_count = max(site.cluster.max_job_count, args.jobs + 1000)
    tune_gc()                        # as `serve` does once loaded (before the jobs: they are not frozen)
    t0 = time.perf_counter()
    site.cluster.clock.freeze()      # all at one instant: a cluster that holds N jobs, not one filled for a minute
    for _ in range(args.jobs):
        site.cluster.submit(dict(JOB), "alice")
    site.cluster.clock.unfreeze()
    print(f"filled {args.jobs} jobs in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
                            server_header=False, date_header=False, lifespan="off", ws="none")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
