"""`mockrestd-contract [pytest args...]`: run the contract suite (`pytest --pyargs contract_tests`) with the
report plugin loaded; every argument is passed to pytest (e.g. `-n 2`, `-k get_job`, `-x`)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import pytest

    args = list(sys.argv[1:] if argv is None else argv)
    base = ["--pyargs", "contract_tests", "-p", "contract_tests.report", "-p", "no:cacheprovider"]
    return int(pytest.main(base + args))


if __name__ == "__main__":
    sys.exit(main())
