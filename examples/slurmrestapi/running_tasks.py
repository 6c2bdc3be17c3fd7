"""Count the tasks of the running jobs (training: "count running tasks")."""
import os

import slurmrestapi as openapi_client

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurm = openapi_client.SlurmApi(openapi_client.ApiClient(c))

count = 0
for job in slurm.slurm_v0044_get_jobs().jobs:
    if "RUNNING" in job.job_state:
        count += job.tasks.number
print(f"running tasks: {count}")
