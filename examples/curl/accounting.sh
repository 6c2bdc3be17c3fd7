#!/usr/bin/env bash
# The accounting calls (slurmdbd through slurmrestd) as curl lines: accounts, associations, QOS, job history.
#   SLURMRESTD_URL=http://127.0.0.1:6820 SLURM_JWT=... bash accounting.sh
set -euo pipefail
: "${SLURMRESTD_URL:?set SLURMRESTD_URL}" "${SLURM_JWT:?set SLURM_JWT (export \$(mockrestd token))}"
DB="${SLURMRESTD_URL%/}/slurmdb/v0.0.44"
# each answer on one line (slurmrestd may pretty-print) and cut before "meta", which slurmrestd puts after
# the data: the plugin's "name" and the client's "user" there are not an account's, a QOS's or a user's
call() { curl -sS --fail-with-body -H "X-SLURM-USER-TOKEN: $SLURM_JWT" "$@" | tr -d '\n' | sed 's/, *"meta": *{.*//'; }
names() { grep -o "\"$1\": *\"[^\"]*\"" | sed 's/.*: *"\(.*\)"/\1/' | sort -u | tr '\n' ' '; echo; }

echo "accounts: $(call "$DB/accounts/" | names name)"
echo "association users: $(call "$DB/associations/" | names user)"
echo "qos: $(call "$DB/qos/" | grep -o '"qos": *\[.*' | names name)"
echo "job history (sacct): $(call "$DB/jobs/" | grep -o '"state": *{ *"current"' | wc -l) jobs"
out=$(call "$DB/jobs/?users=alice"); echo "${out:0:300}"   # (not `| head -c`: pipefail would fail on SIGPIPE)
