"""List the jobs and their states, with plain httpx (training: "get jobs")."""
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

jobs = slurm.get("jobs/").raise_for_status().json()["jobs"]
for job in jobs:
    print(job["job_id"], job["name"], ",".join(job["job_state"]))
print(f"{len(jobs)} jobs")
