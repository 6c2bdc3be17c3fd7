"""Rename a job (training: "update job name"): `python rename.py [JOB_ID] [NAME]`."""
import sys
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

JOB = {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin/"], "current_working_directory": "/tmp/",
       "name": "before"}
job_id = sys.argv[1] if len(sys.argv) > 1 else \
    slurm.post("job/submit", json={"job": JOB}).raise_for_status().json()["job_id"]
name = sys.argv[2] if len(sys.argv) > 2 else "updated test job"
print(slurm.post(f"job/{job_id}", json={"name": name}).raise_for_status().json())
print(f"job {job_id} is now named {slurm.get(f'job/{job_id}').json()['jobs'][0]['name']!r}")
