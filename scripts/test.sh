#!/usr/bin/env bash
# The one test command (README and .ci/run): installs what the tests need, gets the specs, runs every test.
#   MOCKRESTD_REAL=1   also run the tests against real Slurm daemons (needs root + apt; CI sets it)
#   extra arguments are passed to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${MOCKRESTD_SHARED:-$(cd .. && pwd)/shared}"
python3 -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "running pip as the 'root' user" || true
python3 -m mockrestd specs sync --from "$SHARED/specs" --to specs >/dev/null
export MOCKRESTD_SHARED="$SHARED"
exec python3 -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" "$@"
