"""`mockrestd-contract [pytest args...]`: run the contract suite (`pytest --pyargs contract_tests`) with the
report plugin loaded; every argument is passed to pytest (e.g. `-n 2`, `-k get_job`, `-x`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import pytest

    args = list(sys.argv[1:] if argv is None else argv)
    # no:unraisableexception: its gc passes at the end were ~1.3 s of every worker, for warnings the report
    # does not carry
    base = ["--pyargs", "contract_tests", "-p", "contract_tests.report", "-p", "no:cacheprovider",
            "-p", "no:unraisableexception"]
    if _parallel(args) and not any(a.startswith("--dist") for a in args):
        base += ["--dist", "loadgroup"]      # job scenarios share one worker (see test_jobs.py)
    return int(pytest.main(base + args))


def _parallel(args: list[str]) -> bool:
    return any(a == "-n" or (a.startswith("-n") and a[2:].isdigit()) or a.startswith("--numprocesses")
               for a in args)


if __name__ == "__main__":
    sys.exit(main())
