"""Count the tasks of the running jobs (training: "count running tasks")."""
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

jobs = slurm.get("jobs/").raise_for_status().json()["jobs"]
print(f"running tasks: {sum(j['tasks']['number'] for j in jobs if 'RUNNING' in j['job_state'])}")
