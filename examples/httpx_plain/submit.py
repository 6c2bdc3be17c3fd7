"""Submit a batch job (training: "submit job")."""
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

job = {"script": "#!/bin/bash\nsrun uptime", "environment": ["PATH=/bin/:/usr/bin/"],
       "current_working_directory": "/tmp/", "name": "example"}
job_id = slurm.post("job/submit", json={"job": job}).raise_for_status().json()["job_id"]
print(f"submitted job {job_id}")
print(slurm.get(f"job/{job_id}").json()["jobs"][0]["job_state"])
