"""The route table's index by a path's first three segments picks exactly the route a walk over every
route in order picks (the index only skips routes that cannot match): checked for every template of every
served version with sample values, the literal-over-parameter cases, wrong methods and unknown paths."""

from __future__ import annotations

import re

import pytest

from mockrestd.http.routes import RouteTable
from mockrestd.specs import load_specs


def paths(template: str):
    for value in ("12", "submit", "a+b", "x y", "node[1-3]"):
        filled = re.sub(r"{[^}/]+}", value, template)
        yield filled
        yield filled.rstrip("/") + "/" if not filled.endswith("/") else filled.rstrip("/")


@pytest.fixture(scope="module")
def table(shared_specs):
    return RouteTable(load_specs(shared_specs))


def test_the_index_matches_what_walking_every_route_matches(table):
    probes = {p for r in table.routes for p in paths(r.template)}
    probes |= {"/", "/slurm", "/slurm/v0.0.44", "/slurm/v0.0.44/", "/slurm/v0.0.44/nosuch", "/slurmdb/v0.0.99/jobs",
               "/slurm/v0.0.44/job/submit/extra", "/openapi/v3", "/slurm/v0.0.44/jobs/state"}
    assert len(probes) > 1000
    compared = 0
    for path in sorted(probes):
        for method in ("GET", "POST", "DELETE", "PUT"):
            want, got = table.first(table.routes, path, method), table.match(path, method)
            assert (want and (want.route.template, want.operation, want.params)) == \
                   (got and (got.route.template, got.operation, got.params)), (method, path)
            compared += want is not None
    assert compared > 1000


def test_a_narrowed_table_is_indexed_again(table, shared_specs):
    narrowed = RouteTable(load_specs(shared_specs))
    narrowed.routes = [r for r in narrowed.routes if not r.template.startswith("/slurmdb/")]
    assert narrowed.match("/slurmdb/v0.0.44/jobs/", "GET") is None
    assert narrowed.match("/slurm/v0.0.44/jobs/", "GET").operation is not None
    # GET job/submit is GET job/{job_id} with the id "submit" (slurmrestd routes it so)
    assert table.match("/slurm/v0.0.44/job/submit", "GET").params == {"job_id": "submit"}
    assert table.match("/slurm/v0.0.44/job/submit", "POST").params == {}
