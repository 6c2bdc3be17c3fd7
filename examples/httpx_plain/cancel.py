"""Cancel a job (training: "cancel job"): `python cancel.py [JOB_ID]`; without an id it submits one."""
import sys
import time
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

JOB = {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin/"], "current_working_directory": "/tmp/",
       "name": "to-cancel"}
job_id = sys.argv[1] if len(sys.argv) > 1 else \
    slurm.post("job/submit", json={"job": JOB}).raise_for_status().json()["job_id"]
slurm.delete(f"job/{job_id}").raise_for_status()
for _ in range(50):
    state = slurm.get(f"job/{job_id}").json()["jobs"][0]["job_state"]
    if "CANCELLED" in state:
        break
    time.sleep(0.2)
print(f"job {job_id}: {','.join(state)}")
sys.exit(0 if "CANCELLED" in state else 1)
