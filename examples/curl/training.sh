#!/usr/bin/env bash
# SchedMD's REST training examples as curl lines, against $SLURMRESTD_URL with the token in $SLURM_JWT:
#   export SLURMRESTD_URL=http://127.0.0.1:6820; export $(mockrestd token username=alice); bash training.sh
# Each step prints the call's answer (trimmed); the script stops at the first call that fails.
set -euo pipefail
: "${SLURMRESTD_URL:?set SLURMRESTD_URL}" "${SLURM_JWT:?set SLURM_JWT (export \$(mockrestd token))}"
API="${SLURMRESTD_URL%/}/slurm/v0.0.44"
AUTH=(-H "X-SLURM-USER-TOKEN: $SLURM_JWT")
JSON=(-H "Content-Type: application/json")

call() { curl -sS --fail-with-body "${AUTH[@]}" "$@"; }
job_id() { sed -n 's/.*"job_id": *\([0-9][0-9]*\).*/\1/p' | head -1; }
state() { call "$API/job/$1" | sed -n 's/.*"job_state": *\[\([^]]*\)\].*/\1/p' | head -1; }

echo "== get jobs"
out=$(call "$API/jobs/"); echo "${out:0:300}"     # (not `| head -c`: with pipefail curl's SIGPIPE fails the script)

echo "== submit a job"
id=$(call "${JSON[@]}" -d '{"job": {"script": "#!/bin/bash\nsrun uptime", "environment": ["PATH=/bin/:/usr/bin/"],
     "current_working_directory": "/tmp/", "name": "example"}}' "$API/job/submit" | job_id)
echo "submitted job $id: $(state "$id")"

echo "== job array"
id=$(call "${JSON[@]}" -d '{"job": {"script": "#!/bin/bash\nsrun uptime", "array": "1-100",
     "environment": ["PATH=/bin/:/usr/bin/"], "current_working_directory": "/tmp/"}}' "$API/job/submit" | job_id)
echo "submitted array $id: $(call "$API/job/$id" | grep -o '"array_task_string": *"[^"]*"' | head -1)"

echo "== hetjob"
id=$(call "${JSON[@]}" -d '{"jobs": [{"script": "#!/bin/bash\nsrun uptime", "environment": ["PATH=/bin/"],
     "current_working_directory": "/tmp/"}, {"environment": ["PATH=/bin/"], "current_working_directory": "/tmp/"}]}' \
     "$API/job/submit" | job_id)
echo "submitted hetjob $id: $(call "$API/job/$id" | grep -o '"het_job_offset": *{[^}]*}' | tr '\n' ' ')"

long='{"job": {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin/"], "current_working_directory": "/tmp/"}}'

echo "== cancel a job"
id=$(call "${JSON[@]}" -d "$long" "$API/job/submit" | job_id)
call -X DELETE "$API/job/$id" >/dev/null
echo "job $id: $(state "$id")"

echo "== signal a running job with SIGINT"
id=$(call "${JSON[@]}" -d "$long" "$API/job/submit" | job_id)
for _ in $(seq 150); do [[ "$(state "$id")" == *RUNNING* ]] && break; sleep 0.2; done
call -X DELETE "$API/job/$id?signal=SIGINT" >/dev/null
echo "job $id signalled: $(state "$id")"

echo "== rename a job"
id=$(call "${JSON[@]}" -d "$long" "$API/job/submit" | job_id)     # (the signalled job has ended: FAILED)
call "${JSON[@]}" -d '{"name": "updated test job"}' "$API/job/$id" >/dev/null
echo "job $id: $(call "$API/job/$id" | grep -o '"name": *"updated test job"' | head -1)"
call -X DELETE "$API/job/$id" >/dev/null

echo "== change the tasks of a pending (held) job"
id=$(call "${JSON[@]}" -d '{"job": {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin/"],
     "current_working_directory": "/tmp/", "hold": true}}' "$API/job/submit" | job_id)
call "${JSON[@]}" -d '{"tasks": 2}' "$API/job/$id" >/dev/null
echo "job $id: $(call "$API/job/$id" | grep -o '"tasks": *{[^}]*}' | head -1)"
call -X DELETE "$API/job/$id" >/dev/null
echo "== done"
