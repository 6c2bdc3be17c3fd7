"""Limits the controller enforces at submit, and GRES scheduling (issue #7 §4), at v0.0.44 and v0.0.41."""

import pytest

from mockrestd.engine import Cluster
from mockrestd.engine.config import load_config
from tests.support import MockHarness, assert_submit_refused

VERSIONS = ["v0.0.44", "v0.0.41"]
JOB = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}



@pytest.mark.parametrize("version", VERSIONS)
def test_array_beyond_max_array_size_is_2081_and_nothing_is_kept(mock, version):
    before = mock.cluster.next_job_id
    r = mock.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "array": "0-4000000"}})
    assert_submit_refused(r, 2081, "Invalid job array specification")
    r = mock.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "array": "1001"}})
    assert_submit_refused(r, 2081, "Invalid job array specification")
    assert mock.cluster.next_job_id == before and mock.get(f"/slurm/{version}/jobs/").json()["jobs"] == []
    ok = mock.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "array": "0-1000%2"}})
    assert ok.status_code == 200 and ok.json()["job_id"] == before
    assert mock.job(before, version=version)[0]["array_task_string"] == "0-1000%2"


@pytest.fixture
def small(spec_set, key_file, tmp_path):
    path = tmp_path / "small.toml"
    path.write_text("[cluster]\nname = 'small'\nmax_array_size = 11\nmax_job_count = 4\n")
    harness = MockHarness(spec_set, key_file, cluster=None)
    harness.site.cluster = Cluster(load_config(path), clock=harness.clock)
    yield harness
    harness.close()


@pytest.mark.parametrize("version", VERSIONS)
def test_max_job_count_and_max_array_size_from_the_cluster_file(small, version):
    assert_submit_refused(small.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "array": "0-11"}}), 2081,
             "Invalid job array specification")
    assert small.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "array": "0-2"}}).status_code == 200
    assert small.post(f"/slurm/{version}/job/submit", json={"job": JOB}).status_code == 200   # 4 records
    assert_submit_refused(small.post(f"/slurm/{version}/job/submit", json={"job": JOB}), 11, "Resource temporarily unavailable")


@pytest.mark.parametrize("version", VERSIONS)
def test_gres_no_node_of_the_cluster_has_is_2014(mock, version):
    """Measured on a real 25.11.7 whose cluster had no GPU node: 2014, not 2072 (that is for a GRES the
    cluster has, but not the job's partition)."""
    before = mock.cluster.next_job_id
    r = mock.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "tres_per_node": "gres/fpga:1"}})
    assert_submit_refused(r, 2014, "Requested node configuration is not available")
    assert mock.cluster.next_job_id == before


@pytest.mark.parametrize("version", VERSIONS)
def test_gres_no_node_of_the_partition_has_is_2072(mock, version):
    r = mock.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "tres_per_node": "gres/gpu:1"}})
    assert_submit_refused(r, 2072, "Invalid generic resource (gres) specification")
    r = mock.post(f"/slurm/{version}/job/submit",
                  json={"job": {**JOB, "partition": "gpu", "tres_per_node": "gres/gpu:nosuchtype:1"}})
    assert_submit_refused(r, 2072, "Invalid generic resource (gres) specification")


@pytest.mark.parametrize("version", VERSIONS)
def test_gres_is_allocated_on_the_nodes_that_have_it(mock, version):
    job_id = mock.submit(version=version, partition="gpu", tres_per_node="gres/gpu:1")
    mock.advance(3)
    job = mock.job(job_id, version=version)[0]
    assert job["job_state"] == ["RUNNING"]
    # as recorded on real 24.05 (slurm-job-gpus-gres.json): the GRES is in gres_detail, not in
    # tres_alloc_str, which lists only AccountingStorageTRES (no gres/gpu there by default)
    assert job["tres_per_node"] == "gres/gpu:1" and "gres" not in job["tres_alloc_str"]
    assert len(job["gres_detail"]) == 1 and job["gres_detail"][0].startswith("gpu:")
    node = mock.get(f"/slurm/{version}/node/{job['nodes']}").json()["nodes"][0]
    assert node["gres_used"].startswith("gpu:") and ":1" in node["gres_used"]
    other = mock.submit(version=version, partition="gpu", tres_per_node="gres/gpu:1")
    mock.advance(3)
    assert mock.job(other, version=version)[0]["gres_detail"] != job["gres_detail"] or \
        mock.job(other, version=version)[0]["job_state"] == ["PENDING"]


@pytest.mark.parametrize("version", VERSIONS)
def test_more_cpus_than_any_node_pends_with_two_warnings(mock, version):
    r = mock.post(f"/slurm/{version}/job/submit", json={"job": {**JOB, "cpus_per_task": 64}})
    assert r.status_code == 200, r.text
    body = r.json()
    text = "Requested partition configuration not available now"
    assert body["warnings"] == [
        {"description": f"Job submission resulted in non-zero return code: {text}", "source": "slurm_submit_batch_job()"},
        {"description": text, "source": "slurm_submit_batch_job()"}]
    mock.advance(30)
    job = mock.job(body["job_id"], version=version)[0]
    assert job["job_state"] == ["PENDING"] and job["state_reason"] == "PartitionConfig"


@pytest.mark.parametrize("version", VERSIONS)
def test_user_priority_on_an_operator_held_job_is_2042(mock, version):
    job_id = mock.submit(version=version)
    assert mock.post(f"/slurm/{version}/job/{job_id}", json={"priority": 0}, user="root").status_code == 200
    r = mock.post(f"/slurm/{version}/job/{job_id}", json={"priority": 100}, user="alice")
    assert r.status_code == 500, r.text
    assert [(e["error_number"], e["error"]) for e in r.json()["errors"]] == [
        (2042, "Job is in held state, pending scheduler release")]
    mock.advance(5)
    job = mock.job(job_id, version=version)[0]
    assert job["job_state"] == ["PENDING"] and job["state_reason"] == "JobHeldAdmin"
    assert mock.post(f"/slurm/{version}/job/{job_id}", json={"priority": 100}, user="root").status_code == 200


def test_step_id_sluid_is_never_empty_and_stable(mock):
    import re
    a, b = mock.submit(), mock.submit()
    first = mock.job(a)[0]["step_id"]["sluid"]
    assert re.fullmatch(r"s[0-9A-HJKMNP-TV-Z]{13}", first)
    mock.advance(5)
    assert mock.job(a)[0]["step_id"]["sluid"] == first != mock.job(b)[0]["step_id"]["sluid"]
