"""Rename a job (training: "update job name"): `python rename.py [JOB_ID] [NAME]`."""
import sys
import os

import slurmrestapi as openapi_client

from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

job_id = sys.argv[1] if len(sys.argv) > 1 else str(slurm.slurm_v0044_post_job_submit(JobReq(job=JobDesc(
    script="#!/bin/bash\nsleep 300", environment=["PATH=/bin/"], current_working_directory="/tmp/",
    name="before"))).job_id)
name = sys.argv[2] if len(sys.argv) > 2 else "updated test job"
print(slurm.slurm_v0044_post_job(job_id=job_id, v0044_job_desc_msg=JobDesc(name=name)))
print(f"job {job_id} is now named {slurm.slurm_v0044_get_job(job_id=job_id).jobs[0].name!r}")
