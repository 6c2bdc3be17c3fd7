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


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path,parser", [
    ("/slurm/{v}/jobs/?bogus=1&update_time=0&bogus=2", "OPENAPI_JOB_INFO_QUERY"),
    ("/slurm/{v}/nodes/?update_time=0&bogus=1", "OPENAPI_NODES_QUERY"),
    ("/slurmdb/{v}/accounts/?bogus=2", "ACCOUNT_CONDITION"),
])
def test_unknown_query_parameter_is_a_warning(mock, version, path, parser):
    r = mock.get(path.format(v=version))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["warnings"] == [{"description": f'Ignoring unknown field "bogus" of type string in '
                                                f'DATA_PARSER_{parser}', "source": "#/bogus/"}]
    assert body["errors"] == []


def test_known_query_parameters_and_unparsed_operations_are_silent(mock):
    assert mock.get("/slurm/v0.0.44/jobs/?update_time=0").json()["warnings"] == []
    assert mock.get("/slurm/v0.0.44/ping/?bogus=1").json()["warnings"] == []
