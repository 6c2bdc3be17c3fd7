"""What one request may make the mock build: host lists, array ranges, `%` throttles, stdio widths, id lists.

Each is answered as Slurm answers it, fast, and leaves the cluster as it was. (`node[0-99999999]` in a node
update took 151 s and then a 500 before the cap.)"""

from __future__ import annotations

import time

import pytest

from mockrestd.engine import hostlist, stdio
from mockrestd.engine.arrays import parse_array
from mockrestd.errors import SlurmError
from tests.support import V, cluster_state

HUGE = "node[0-99999999]"


def test_hostlist_takes_slurms_max_range_and_refuses_one_more():
    assert len(hostlist.expand("n[0-65535]")) == hostlist.MAX_RANGE == 65536
    for spec in ("n[0-65536]", HUGE, "n[5-3]", "n[0-" + "9" * 5000 + "]"):
        t = time.perf_counter()
        with pytest.raises(hostlist.HostlistError, match="Invalid hostlist string"):
            hostlist.expand(spec)
        assert time.perf_counter() - t < 0.5
    many = ",".join(f"p{i}[0-65535]" for i in range(17))        # each range legal, 1.1 M names in all
    with pytest.raises(hostlist.HostlistError):
        hostlist.expand(many)


def _timed(mock, method, path, **kw):
    t = time.perf_counter()
    r = mock.request(method, path, **kw)
    return r, time.perf_counter() - t


def _only_error(r, number):
    body = r.json()
    assert [e["error_number"] for e in body["errors"]] == [number], body["errors"]
    assert all(set(e) >= {"error_number", "error", "description", "source"} for e in body["errors"])
    return body["errors"][0]


@pytest.mark.parametrize("field,value", [("required_nodes", HUGE), ("excluded_nodes", [HUGE]),
                                         ("required_nodes", "node[1-70000]")])
def test_submit_with_a_huge_host_list_is_invalid_node_name(mock, field, value):
    job = {"script": "#!/bin/sh\ntrue", "environment": ["PATH=/bin"], "current_working_directory": "/tmp",
           field: value}
    r, took = _timed(mock, "POST", f"/slurm/{V}/job/submit", json={"job": job})
    assert r.status_code == 500 and took < 5
    entry = _only_error(r, 2018)                  # job_mgr.c: node_name2bitmap() fails → ESLURM_INVALID_NODE_NAME
    assert (entry["description"], entry["source"]) == ("Batch job submission failed", "slurm_submit_batch_job()")
    assert mock.cluster.jobs == {}


def test_update_with_a_huge_host_list_changes_nothing(mock):
    job_id = mock.submit(begin_time={"set": True, "number": int(mock.clock.now()) + 3600})
    before = mock.cluster.jobs[job_id].desc.copy()
    r, took = _timed(mock, "POST", f"/slurm/{V}/job/{job_id}", json={"excluded_nodes": [HUGE]})
    assert r.status_code == 500 and took < 5
    assert _only_error(r, 2018)["source"] == "slurm_update_job2()"
    assert mock.cluster.jobs[job_id].desc == before


def test_node_update_and_create_with_a_huge_host_list(mock):
    before = cluster_state(mock.cluster)
    r, took = _timed(mock, "POST", f"/slurm/{V}/node/{HUGE}", user="root", json={"state": ["DRAIN"], "reason": "x"})
    assert r.status_code == 500 and took < 5
    assert _only_error(r, 2018)["source"] == "slurm_update_node()"
    r, took = _timed(mock, "POST", f"/slurm/{V}/new/node/", user="root",
                     json={"node_conf": "NodeName=x[0-99999999] CPUs=1"})
    assert r.status_code == 500 and took < 5
    assert _only_error(r, 2018)["source"] == "slurm_create_node()"
    assert cluster_state(mock.cluster) == before


def test_reservation_with_a_huge_host_list(mock):
    start = int(mock.clock.now()) + 600
    resv = {"name": "big", "node_list": HUGE, "users": ["alice"], "start_time": {"set": True, "number": start},
            "duration": {"set": True, "number": 10}}
    r, took = _timed(mock, "POST", f"/slurm/{V}/reservation/", user="root", json=resv)
    assert took < 5 and r.status_code == 500
    assert _only_error(r, 2018)["source"] == "slurm_create_reservation()"
    assert "big" not in mock.cluster.reservations


def test_array_ranges_are_checked_before_they_are_built():
    for spec in ("0-4000000000", "0-" + "9" * 5000, "0-10:" + "1" * 5000, "1,2," + "9" * 5000):
        t = time.perf_counter()
        with pytest.raises(SlurmError) as e:
            parse_array(spec, max_size=1001)
        assert e.value.code == 2081 and time.perf_counter() - t < 0.5
    # `%` is atoi()'d by slurmctld: past a C int it wraps, <= 0 is no throttle; a 50,000-digit one is no error
    assert parse_array("0-3%2") == ([0, 1, 2, 3], 2)
    assert parse_array("0-3%" + "9" * 50_000) == ([0, 1, 2, 3], 0)
    assert parse_array("0-3%4294967297") == ([0, 1, 2, 3], 1)


def test_array_submit_over_max_array_size_is_2081(mock):
    job = {"script": "#!/bin/sh\ntrue", "environment": ["PATH=/bin"], "current_working_directory": "/tmp",
           "array": "0-4000000000"}
    r, took = _timed(mock, "POST", f"/slurm/{V}/job/submit", json={"job": job})
    assert took < 5 and r.status_code == 500
    assert _only_error(r, 2081)
    assert mock.cluster.jobs == {}


def test_a_5000_digit_stdio_width_is_ten():
    f = stdio.Fields(job_id=7)
    assert stdio.expand("/o/%" + "9" * 5000 + "j", f) == "/o/0000000007"
    assert stdio.expand("/o/%05j.%0j", f) == "/o/00007.7"


def test_jobs_state_with_thousands_of_ids_is_quick(mock):
    job_id = mock.submit()
    ids = "%2C".join(str(i) for i in range(job_id, job_id + 5000))
    r, took = _timed(mock, "GET", f"/slurm/{V}/jobs/state?job_id={ids}")
    assert r.status_code == 200 and took < 3, (r.status_code, took)
    assert [j["job_id"] for j in r.json()["jobs"]] == [str(job_id)]
