"""The accounting calls (slurmdbd through slurmrestd) with plain httpx: accounts, associations, QOS, job history."""
import os

import httpx

slurmdb = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurmdb/v0.0.44/",
                       headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

for account in slurmdb.get("accounts/").raise_for_status().json()["accounts"]:
    print(f"account {account['name']}: {account['description']}")
for a in slurmdb.get("associations/").raise_for_status().json()["associations"]:
    print(f"association {a['cluster']}/{a['account']}/{a['user'] or '-'} partition={a['partition'] or '-'}")
for qos in slurmdb.get("qos/").raise_for_status().json()["qos"]:
    print(f"qos {qos['name']}: priority {qos['priority']['number']}")
for job in slurmdb.get("jobs/").raise_for_status().json()["jobs"]:      # the job history, like sacct
    print(f"history {job['job_id']} {job['name']} {job['user']} {','.join(job['state']['current'])} "
          f"exit={job['exit_code']['return_code']['number']}")
