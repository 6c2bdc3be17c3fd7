"""Submit a batch job (training: "submit job")."""
import os

import slurmrestapi as openapi_client

from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

req = JobReq(job=JobDesc(script="#!/bin/bash\nsrun uptime", environment=["PATH=/bin/:/usr/bin/"],
                         current_working_directory="/tmp/", name="example"))
resp = slurm.slurm_v0044_post_job_submit(req)
print(f"submitted job {resp.job_id}")
print(slurm.slurm_v0044_get_job(job_id=str(resp.job_id)).jobs[0].job_state)
