"""Change the number of tasks of a pending (held) job (training: "update job tasks"):
`python update_tasks.py [TASKS]`."""
import sys
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 2
JOB = {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin/"], "current_working_directory": "/tmp/",
       "hold": True}
job_id = slurm.post("job/submit", json={"job": JOB}).raise_for_status().json()["job_id"]
print(slurm.post(f"job/{job_id}", json={"tasks": tasks}).raise_for_status().json())
job = slurm.get(f"job/{job_id}").json()["jobs"][0]
print(f"job {job_id} ({','.join(job['job_state'])}): {job['tasks']['number']} tasks")
slurm.delete(f"job/{job_id}")
