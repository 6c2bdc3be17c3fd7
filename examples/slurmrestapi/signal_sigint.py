"""Send SIGINT to a running job (training: "signal job"): `python signal_sigint.py [JOB_ID]`."""
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
        name="to-signal"))).job_id)
for _ in range(150):            # a signal reaches running jobs only
    if "RUNNING" in slurm.slurm_v0044_get_job(job_id=job_id).jobs[0].job_state:
        break
    time.sleep(0.2)
slurm.slurm_v0044_delete_job(job_id=job_id, signal="SIGINT")
state = slurm.slurm_v0044_get_job(job_id=job_id).jobs[0].job_state
print(f"job {job_id} signalled with SIGINT: {','.join(state)}")
