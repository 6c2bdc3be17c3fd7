"""squeue's JOBID and TIME columns, as the live page shows them (mockrestd/control/view.py)."""

import pytest

from mockrestd.control.view import squeue_id, squeue_time


@pytest.mark.parametrize("record, shown", [
    ({"job_id": 7, "array_job_id": 0, "array_task_id": None, "array_task_string": "", "het_job_id": 0}, "7"),
    ({"job_id": 9, "array_job_id": 7, "array_task_id": 3, "array_task_string": "", "het_job_id": 0}, "7_3"),
    ({"job_id": 7, "array_job_id": 7, "array_task_id": 0, "array_task_string": "", "het_job_id": 0}, "7_0"),
    ({"job_id": 7, "array_job_id": 7, "array_task_id": None, "array_task_string": "5-20%4", "het_job_id": 0},
     "7_[5-20%4]"),
    ({"job_id": 7, "array_job_id": 7, "array_task_id": None, "array_task_string": "1,3,5", "het_job_id": 0},
     "7_[1,3,5]"),
    ({"job_id": 7, "array_job_id": 7, "array_task_id": None, "array_task_string": "20", "het_job_id": 0}, "7_[20]"),
    ({"job_id": 12, "array_job_id": 0, "array_task_id": None, "het_job_id": 12, "het_job_offset": 0}, "12+0"),
    ({"job_id": 13, "array_job_id": 0, "array_task_id": None, "het_job_id": 12, "het_job_offset": 1}, "12+1"),
    ({"job_id": 7}, "7"),                   # fields left out are unset, as the engine's records allow
])
def test_squeue_id(record, shown):
    assert squeue_id(record) == shown


@pytest.mark.parametrize("seconds, shown", [(0, "0:00"), (5, "0:05"), (754, "12:34"), (3723, "1:02:03"),
                                            (183845, "2-03:04:05"), (-3, "0:00")])
def test_squeue_time(seconds, shown):
    assert squeue_time(seconds) == shown
