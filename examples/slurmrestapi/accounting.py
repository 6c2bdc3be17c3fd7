"""The accounting calls (slurmdbd through slurmrestd): accounts, associations, QOS and the job history."""
import os

import slurmrestapi as openapi_client

c = openapi_client.Configuration(host=os.environ["SLURMRESTD_URL"].rstrip("/") + "/",
                                 access_token=os.environ["SLURM_JWT"])   # sent as Bearer
slurmdb = openapi_client.SlurmdbApi(openapi_client.ApiClient(c))

for account in slurmdb.slurmdb_v0044_get_accounts().accounts:
    print(f"account {account.name}: {account.description}")
for assoc in slurmdb.slurmdb_v0044_get_associations().associations:
    print(f"association {assoc.cluster}/{assoc.account}/{assoc.user or '-'} partition={assoc.partition or '-'}")
for qos in slurmdb.slurmdb_v0044_get_qos().qos:
    print(f"qos {qos.name}: priority {qos.priority.number}")
for job in slurmdb.slurmdb_v0044_get_jobs().jobs:      # the job history, like sacct
    print(f"history {job.job_id} {job.name} {job.user} {','.join(job.state.current)} "
          f"exit={job.exit_code.return_code.number}")
