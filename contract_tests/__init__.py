"""Contract tests for any slurmrestd: the mock, a staging cluster, a new Slurm release.

Run them with `pytest --pyargs contract_tests` (or `mockrestd-contract`). The target is chosen at run time
(`SLURMRESTD_URL` + `SLURM_JWT`, else a mock started for the run); see README.md in this folder."""
