#!/usr/bin/env python3
"""How long the pytest plugin's mock takes to be ready, socket and in-process side by side (these machines
are noisy: compare the two, not the absolute figures). The first start in a process also pays the imports
and the spec load (from the start-up cache); later starts in the same process do not.

  python bench/fixture_ready.py [--rounds 5]"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from mockrestd.testing import start
    imported = time.perf_counter() - t0
    times = {"socket": [], "inprocess": []}
    for _ in range(args.rounds):
        for mode in times:                      # interleaved: both modes see the same machine load
            with start(mode) as mock:
                times[mode].append(mock.ready_in)
    print(f"import mockrestd.testing: {imported * 1000:.0f} ms")
    for mode, t in times.items():
        print(f"{mode:>9}: first {t[0] * 1000:.0f} ms, then median {statistics.median(t[1:] or t) * 1000:.0f} ms "
              f"({', '.join(f'{x * 1000:.0f}' for x in t)})")
    s, i = statistics.median(times["socket"][1:] or times["socket"]), statistics.median(times["inprocess"][1:] or times["inprocess"])
    print(f"socket / in-process: {s / i:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
