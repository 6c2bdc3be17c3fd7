"""Invalid UTF-8 in a slurmdb filter (issue 11, 3b): real 25.11.7 and 26.05.5 answer 500 with MariaDB's error
1300; divergences.toml relaxes that on the releases where it was seen and nowhere else, and the mock's own
answer (200, nothing found) needs no relaxation at all."""

from __future__ import annotations

import json

import pytest

from contract_tests.divergences import Table

BAD = "%12%C2%85%F2%BC%85%B9%0C%C3%B2%C2%96%FF%FE"         # what the suite generated, plus two bytes never UTF-8
OP = "slurmdb_v0044_get_association"
REAL_SUBJECT = "Server error | errors: 1300"


@pytest.mark.parametrize("release,relaxed", [("25.11.7", True), ("26.05.5", True), ("24.11.5", False),
                                             ("25.05.3", False), (None, False)])
def test_the_real_500_is_relaxed_only_where_it_was_seen(release, relaxed):
    hit = Table.load().find(["not_a_server_error"], OP, 500, REAL_SUBJECT, release)
    assert (hit is not None and hit.id == "slurmdb-bad-filter-500") is relaxed, hit


def test_the_mock_answers_nothing_found_in_valid_json(mock):
    r = mock.get(f"/slurmdb/v0.0.44/association/?cluster={BAD}", user="root")
    assert r.status_code == 200
    body = json.loads(r.content.decode("utf-8"))                # strict: no raw invalid byte echoed back
    assert body["associations"] == [] and body["errors"] == []
    table = Table.load()
    # nothing to relax: a 200 with a conforming body is what any check accepts
    assert table.find(["not_a_server_error"], OP, 200, "", "25.11.7") is None
