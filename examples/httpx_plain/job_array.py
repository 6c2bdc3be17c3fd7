"""Submit a job array of 100 tasks and show its tasks (training: "job array")."""
import os

import httpx

slurm = httpx.Client(base_url=os.environ["SLURMRESTD_URL"].rstrip("/") + "/slurm/v0.0.44/",
                     headers={"X-SLURM-USER-TOKEN": os.environ["SLURM_JWT"]}, timeout=30)

job = {"script": "#!/bin/bash\nsrun uptime", "array": "1-100", "environment": ["PATH=/bin/:/usr/bin/"],
       "current_working_directory": "/tmp/"}
array_id = slurm.post("job/submit", json={"job": job}).raise_for_status().json()["job_id"]
print(f"submitted array {array_id}")
for j in slurm.get(f"job/{array_id}").json()["jobs"]:
    # as squeue shows them: a started task `5_3`, the pending rest `5_[4-100]`
    task = j["array_task_id"]["number"] if j["array_task_id"]["set"] else f"[{j['array_task_string']}]"
    print(f"  {j['array_job_id']['number']}_{task} job_id={j['job_id']} {','.join(j['job_state'])}")
