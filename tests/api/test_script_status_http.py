"""Exit codes of common script forms, seen through the job record (issue #7 §5), at v0.0.44 and v0.0.41."""

import pytest

CASES = [
    ("#!/bin/bash\nsleep 3\necho bad; exit 3", "FAILED", 3),
    ("#!/bin/bash\nset -e\nsleep 3\nfalse\nexit 0", "FAILED", 1),
    ("#!/bin/bash\nset -eo pipefail\nsleep 3\nfalse | cat\necho done", "FAILED", 1),
    ("#!/bin/bash\nsleep 3\nfalse | cat", "COMPLETED", 0),
]


@pytest.mark.parametrize("version", ["v0.0.44", "v0.0.41"])
@pytest.mark.parametrize("script,state,code", CASES)
def test_script_exit_code_through_http(mock, version, script, state, code):
    job_id = mock.submit(script=script, version=version)
    mock.advance(30)
    job = mock.job(job_id, version=f"{version}")[0]
    assert job["job_state"] == [state]
    assert job["exit_code"]["return_code"]["number"] == code
    assert job["state_reason"] == ("NonZeroExitCode" if code else "None")
