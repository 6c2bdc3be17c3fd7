"""Cancel a job (training: "cancel job"): `python cancel.py [JOB_ID]`; without an id it submits one."""
import sys
import time
import os

import slurmrestapi as openapi_client

from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

if len(sys.argv) > 1:
    job_id = sys.argv[1]
else:
    job_id = str(slurm.slurm_v0044_post_job_submit(JobReq(job=JobDesc(
        script="#!/bin/bash\nsleep 300", environment=["PATH=/bin/"], current_working_directory="/tmp/",
        name="to-cancel"))).job_id)
slurm.slurm_v0044_delete_job(job_id=job_id)
for _ in range(50):
    state = slurm.slurm_v0044_get_job(job_id=job_id).jobs[0].job_state
    if "CANCELLED" in state:
        break
    time.sleep(0.2)
print(f"job {job_id}: {','.join(state)}")
sys.exit(0 if "CANCELLED" in state else 1)
