"""Change the number of tasks of a pending job (training: "update job tasks"); the job is submitted held,
as a running job's tasks cannot change: `python update_tasks.py [TASKS]`."""
import sys
import os

import slurmrestapi as openapi_client

from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 2
job_id = str(slurm.slurm_v0044_post_job_submit(JobReq(job=JobDesc(
    script="#!/bin/bash\nsleep 300", environment=["PATH=/bin/"], current_working_directory="/tmp/",
    hold=True))).job_id)
print(slurm.slurm_v0044_post_job(job_id=job_id, v0044_job_desc_msg=JobDesc(tasks=tasks)))
job = slurm.slurm_v0044_get_job(job_id=job_id).jobs[0]
print(f"job {job_id} ({','.join(job.job_state)}): {job.tasks.number} tasks")
slurm.slurm_v0044_delete_job(job_id=job_id)
