"""Submit a heterogeneous job of two components (training: "hetjob")."""
import os

import slurmrestapi as openapi_client

from slurmrestapi.models.v0044_job_desc_msg import V0044JobDescMsg as JobDesc
from slurmrestapi.models.v0044_job_submit_req import V0044JobSubmitReq as JobReq

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

env, cwd = ["PATH=/bin/:/usr/bin/"], "/tmp/"
req = JobReq(jobs=[JobDesc(script="#!/bin/bash\nsrun uptime", environment=env, current_working_directory=cwd),
                   JobDesc(environment=env, current_working_directory=cwd)])
het_id = slurm.slurm_v0044_post_job_submit(req).job_id
print(f"submitted hetjob {het_id}")
for job in slurm.slurm_v0044_get_job(job_id=str(het_id)).jobs:
    print(f"  {job.het_job_id.number}+{job.het_job_offset.number} job_id={job.job_id} {','.join(job.job_state)}")
