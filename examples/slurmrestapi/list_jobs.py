"""List the jobs and their states (training: "get jobs")."""
import os

import slurmrestapi as openapi_client

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

resp = slurm.slurm_v0044_get_jobs()
for job in resp.jobs:
    print(job.job_id, job.name, ",".join(job.job_state))
print(f"{len(resp.jobs)} jobs")
