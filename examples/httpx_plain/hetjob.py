"""Submit a heterogeneous job of two components (training: "hetjob")."""
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

common = {"environment": ["PATH=/bin/:/usr/bin/"], "current_working_directory": "/tmp/"}
jobs = [dict(common, script="#!/bin/bash\nsrun uptime"), common]
het_id = slurm.post("job/submit", json={"jobs": jobs}).raise_for_status().json()["job_id"]
print(f"submitted hetjob {het_id}")
for j in slurm.get(f"job/{het_id}").json()["jobs"]:
    component = f"{j['het_job_id']['number']}+{j['het_job_offset']['number']}"
    print(f"  {component} job_id={j['job_id']} {','.join(j['job_state'])}")
