#!/usr/bin/env bash
# The one test command (README and .ci/run): installs what the tests need, gets the specs, runs every test.
#
#   1. the unit, API and end-to-end tests (tests/, two workers)
#   2. the contract suite against the mock it starts, every served version (report: reports/contract-mock/)
#   3. the real targets (tests/real): Slurm 26.05 with slurmdbd, 24.11 and 22.05 with slurmdbd brought up by
#      compose/native, 26.05 in containers under podman; the contract suite and the differential run against
#      each (reports: reports/real-*/, reports/containers-*/)
#
#   MOCKRESTD_REAL=1|0  run step 3 or not; by default it runs when this is root with apt-get (as on CI)
#   extra arguments: run only pytest with them (e.g. `bash scripts/test.sh tests/engine -x`)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${MOCKRESTD_SHARED:-$(cd .. && pwd)/shared}"
python3 -m pip install -q --disable-pip-version-check -e '.[test]' 2>&1 | grep -v "running pip as the 'root' user" || true
python3 -m mockrestd specs sync --from "$SHARED/specs" --to specs >/dev/null
export MOCKRESTD_SHARED="$SHARED"
if [ -z "${MOCKRESTD_REAL:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then MOCKRESTD_REAL=1; else MOCKRESTD_REAL=0; fi
fi
export MOCKRESTD_REAL
if [ $# -gt 0 ]; then
  exec python3 -m pytest -p no:cacheprovider "$@"
fi

t0=$SECONDS
step() { printf '\n=== %s (%d s so far)\n' "$1" $((SECONDS - t0)); }
status=0

step "unit, API and end-to-end tests"
python3 -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --dist loadgroup --ignore=tests/real || status=1

step "contract suite against the mock"
CONTRACT_REPORT_DIR=reports/contract-mock python3 -m contract_tests -q -n "${PYTEST_WORKERS:-2}" || status=1

if [ "$MOCKRESTD_REAL" = 1 ]; then
  step "real Slurm targets: contract suite and differential run"
  python3 -m pytest -p no:cacheprovider -s tests/real || status=1
else
  step "real Slurm targets left out (MOCKRESTD_REAL=0: they need root, apt and debootstrap)"
fi

step "done: $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
