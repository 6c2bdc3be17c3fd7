"""Submit a job array of 100 tasks and show its tasks (training: "job array")."""
import os

import slurmrestapi as openapi_client

from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

req = JobReq(job=JobDesc(script="#!/bin/bash\nsrun uptime", array="1-100", environment=["PATH=/bin/:/usr/bin/"],
                         current_working_directory="/tmp/"))
array_id = slurm.slurm_v0044_post_job_submit(req).job_id
print(f"submitted array {array_id}")
for job in slurm.slurm_v0044_get_job(job_id=str(array_id)).jobs:
    # as squeue shows them: a started task `5_3`, the pending rest `5_[4-100]`
    task = job.array_task_id.number if job.array_task_id.set else f"[{job.array_task_string}]"
    print(f"  {job.array_job_id.number}_{task} job_id={job.job_id} {','.join(job.job_state)}")
