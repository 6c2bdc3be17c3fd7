"""What slurmrestd decides before an operation runs: auth, unknown paths, methods, bodies (DESIGN Part 1)."""

import pytest

V = "/slurm/v0.0.44"
NOT_FOUND = "Unable to find requested URL endpoint."


def test_no_token_is_401_text_before_routing(mock):
    for method, path in [("GET", f"{V}/jobs/"), ("GET", "/no/such/path"), ("PUT", f"{V}/jobs/"),
                         ("GET", "/openapi/v3"), ("GET", f"{V}/ping/")]:
        r = mock.client.request(method, path)
        assert r.status_code == 401, (method, path)
        assert r.headers["content-type"].startswith("text/plain")
        assert r.text == "Authentication failure\n"
        assert r.headers["connection"].lower() == "close"


def test_user_name_header_alone_is_missing_token(mock):
    r = mock.client.get(f"{V}/jobs/", headers={"X-SLURM-USER-NAME": "alice"})
    assert r.status_code == 401


def test_unknown_path_version_and_wrong_method_are_text_404(mock):
    for method, path in [("GET", f"{V}/nope/"), ("GET", "/slurm/v0.0.99/jobs/"), ("PUT", f"{V}/jobs/"),
                         ("PATCH", f"{V}/job/1"), ("HEAD", f"{V}/jobs/"), ("OPTIONS", f"{V}/jobs/")]:
        r = mock.request(method, path)
        assert r.status_code == 404, (method, path)
        assert r.headers["content-type"].startswith("text/plain")
        if method != "HEAD":
            assert r.text.startswith(NOT_FOUND)
        assert r.headers["connection"].lower() == "close"


def test_plus_in_job_path_is_invalid_url(mock):
    r = mock.get(f"{V}/job/9+1")
    assert (r.status_code, r.text) == (404, "Invalid or unknown URL path")


def test_trailing_slash_is_optional(mock):
    assert mock.get(f"{V}/jobs").status_code == 200
    assert mock.get(f"{V}/jobs/").status_code == 200
    assert mock.get(f"{V}/reservation/").status_code == 404  # GET on a POST-only path (no {param} twin)


def test_malformed_json_is_400_text(mock):
    r = mock.post(f"{V}/job/submit", content=b'{"job": ', headers={**mock.headers(),
                                                                    "Content-Type": "application/json"})
    assert (r.status_code, r.text) == (400, "Failure during parsing")
    assert r.headers["content-type"].startswith("text/plain")


def test_text_plain_body_is_415(mock):
    r = mock.post(f"{V}/job/submit", content=b"hello", headers={**mock.headers(), "Content-Type": "text/plain"})
    assert (r.status_code, r.text) == (415, "MIME type is unknown to any loaded plugins")


def test_non_utf8_body_is_400_not_500(mock):
    r = mock.post(f"{V}/job/submit", content=b"\xff\xfe\xfa", headers={**mock.headers(),
                                                                        "Content-Type": "application/json"})
    assert r.status_code == 400


def test_success_headers_are_length_and_type_only(mock):
    r = mock.get(f"{V}/ping/")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert "connection" not in r.headers
    assert int(r.headers["content-length"]) == len(r.content)


def test_slash_is_escaped_like_slurmrestd(mock):
    r = mock.get(f"{V}/ping/")
    assert b"openapi\\/slurmctld" in r.content


@pytest.mark.parametrize("path", ["/openapi/v3", "/openapi", "/openapi.json"])
def test_openapi_serves_the_merged_spec(mock, path):
    r = mock.get(path)
    assert r.status_code == 200
    doc = r.json()
    for v in ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"):
        assert f"/slurm/{v}/jobs/" in doc["paths"]


def test_double_slash_from_joined_base_url_is_accepted(mock):
    """The generated client joins "http://host:6820/" with "/slurm/...": real slurmrestd answers it."""
    assert mock.get("http://testserver//slurm/v0.0.44/ping/").status_code == 200


@pytest.mark.parametrize("method", ["QUERY", "CONNECT", "PROPFIND"])
def test_unknown_http_method_is_405_before_auth(mock, method):
    """Real 26.05.5: a method its HTTP parser does not know is refused before auth and routing."""
    for headers in ({}, mock.headers("alice")):
        for path in ("/slurm/v0.0.44/ping/", "/nope"):
            r = mock.client.request(method, path, headers=headers)
            assert (r.status_code, r.headers["content-type"].split(";")[0], r.text) == \
                (405, "text/plain", "Invalid HTTP method")
            assert r.headers["connection"].lower() == "close"


@pytest.mark.parametrize("query,accepted", [
    ("", True), ("a", True), ("a&b", True), ("&", True), ("a=1&", True), ("a=%2C", True), ("a=%C3%A9", True),
    ("=", False), ("=x", False), ("a=b,c", False), ("a=%00b", False), ("a=1=2", False), ("a=%zz", False),
    ("a=%4", False), ("?", False),
])
def test_malformed_query_is_500_text_like_slurmrestd(mock, query, accepted):
    """The query strings real 26.05.5 refuses before the operation (and the ones it takes)."""
    r = mock.get(f"{V}/partitions/" + ("?" + query if query else ""))
    if accepted:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    else:
        assert (r.status_code, r.headers["content-type"].split(";")[0], r.text) == \
            (500, "text/plain", "Unspecified error")
    assert mock.request("GET", f"{V}/partitions/?=", headers={}).status_code == 401, "auth is checked first"


def test_path_values_with_control_characters_reach_the_operation(mock):
    """A node or job id holding a newline is just a name nobody has (connexion's router refused them
    with its own problem+json 404 before)."""
    r = mock.get(f"{V}/node/a%0Ab")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json()["errors"][0]["description"] == "Failure to query node a\nb"
    r = mock.get(f"{V}/partition/sleep%201%0Aexit%203")
    assert r.headers["content-type"] == "application/json" and r.json()["errors"][0]["error_number"] == 9000


def test_a_mock_bug_still_answers_in_slurms_envelope(mock, monkeypatch):
    from mockrestd.http.handlers import HANDLERS

    def broken(ctx):
        raise KeyError("oops")
    monkeypatch.setitem(HANDLERS, ("slurm", "get_licenses"), broken)
    from tests.support import MockHarness
    fresh = MockHarness(mock.site.specs, mock.key_file)
    r = fresh.get(f"{V}/licenses/")
    fresh.close()
    assert r.status_code == 500 and r.headers["content-type"] == "application/json"
    assert r.json()["errors"][0]["error_number"] == -1 and "KeyError" in r.json()["errors"][0]["description"]
