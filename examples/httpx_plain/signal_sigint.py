"""Send SIGINT to a running job (training: "signal job"): `python signal_sigint.py [JOB_ID]`."""
import sys
import time
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

JOB = {"script": "#!/bin/bash\nsleep 300", "environment": ["PATH=/bin/"], "current_working_directory": "/tmp/",
       "name": "to-signal"}
job_id = sys.argv[1] if len(sys.argv) > 1 else \
    slurm.post("job/submit", json={"job": JOB}).raise_for_status().json()["job_id"]
for _ in range(150):            # a signal reaches running jobs only
    if "RUNNING" in slurm.get(f"job/{job_id}").json()["jobs"][0]["job_state"]:
        break
    time.sleep(0.2)
slurm.delete(f"job/{job_id}", params={"signal": "SIGINT"}).raise_for_status()
print(f"job {job_id} signalled with SIGINT: {','.join(slurm.get(f'job/{job_id}').json()['jobs'][0]['job_state'])}")
