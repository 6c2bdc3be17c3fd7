"""Routing and query rules of real 25.11.7 (issue #7 §3), at v0.0.44 and an older version."""

import pytest

VERSIONS = ["v0.0.44", "v0.0.41"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("method,path", [("GET", "job/submit"), ("GET", "job/allocate"),
                                         ("DELETE", "job/submit")])
def test_literal_segment_shadows_param_only_for_its_methods(mock, version, method, path):
    r = mock.request(method, f"/slurm/{version}/{path}")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["errors"] == [{"error_number": 9000, "error": "Query empty or not RFC7320 compliant",
                                   "description": "Rejecting request. Failure parsing parameters",
                                   "source": "op_handler_job"}]


@pytest.mark.parametrize("version", VERSIONS)
def test_a_path_without_the_method_is_still_404(mock, version):
    r = mock.request("PUT", f"/slurm/{version}/job/submit")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    r = mock.request("DELETE", f"/slurm/{version}/jobs/state/")
    assert r.status_code == 404
