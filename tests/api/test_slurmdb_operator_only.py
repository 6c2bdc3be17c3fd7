"""slurmdb operations an ordinary user may not use, answered as real 25.11.7 does (issue #7 §3)."""

import pytest


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.41"])
def test_diag_as_ordinary_user_dumps_empty_statistics(mock, version):
    r = mock.get(f"/slurmdb/{version}/diag/", user="alice")
    assert r.status_code == 500
    body = r.json()
    assert body["statistics"] == {}
    assert [(e["error_number"], e["description"], e["source"]) for e in body["errors"]] == [
        (2002, "stats query failed", "slurmdb_get_stats")]
    assert mock.get(f"/slurmdb/{version}/diag/", user="root").json()["statistics"]["time_start"] > 0


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.41"])
def test_config_as_ordinary_user_fails_on_wckeys_with_no_data(mock, version):
    r = mock.get(f"/slurmdb/{version}/config", user="alice")
    assert r.status_code == 500
    body = r.json()
    assert set(body) == {"meta", "errors", "warnings"}
    assert [(e["error_number"], e["description"], e["source"]) for e in body["errors"]] == [
        (2002, "slurmdb_wckeys_get failed", "_dump")]
    ok = mock.get(f"/slurmdb/{version}/config", user="root")
    assert ok.status_code == 200 and ok.json()["accounts"]
