"""The error table: numbers and texts as Slurm's slurm_strerror() gives them, and the errors[] entry shape."""

import pytest

from mockrestd import errors
from mockrestd.errors import ERRORS, SlurmError, error_text, warning

# numbers real slurmrestd answered with (shared/DESIGN.md, real-slurm/README.md, fixtures-real/) -> Slurm's text
KNOWN = {
    -1: "Unspecified error",
    0: "No error",
    1007: "Protocol authentication error",
    2002: "Access/permission denied",
    2009: "Job script not specified",
    2010: "Invalid user id",
    2015: "Requested partition configuration not available now",
    2016: "Requested nodes are busy",
    2017: "Invalid job id specified",
    2018: "Invalid node name specified",
    2019: "I/O error writing script/environment to file",
    2021: "Job/step already completing or completed",
    2042: "Job is in held state, pending scheduler release",
    2045: "Invalid account or account/partition combination specified",
    2050: "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)",
    2053: "Requested reservation is invalid",
    2058: "Requested reservation overlaps with another reservation",
    2063: "Job cannot be submitted without the current working directory specified.",
    2066: "Invalid qos specification",
    2073: "Job is no longer pending execution",
    2084: "Job has already finished",
    2127: "Environment is missing in job",
    5005: "Zero Bytes were transmitted or received",
    6010: "Rejecting authentication of user nobody or group nobody",
    7000: "Unable to connect to database",
    9000: "Query empty or not RFC7320 compliant",
    9001: "Failure during parsing",
    9200: "Unable to resolve path",
    9204: "MIME type is unknown to any loaded plugins",
    9207: "Data parser unable to parse invalid flag",
    9209: "Data parser expected a dictionary or object",
    9211: "Request matched more than one object to query. Request is limited to query of a single matching object.",
}


@pytest.mark.parametrize("code,text", sorted(KNOWN.items()))
def test_known_numbers_have_slurms_text(code, text):
    assert ERRORS[code] == text
    assert error_text(code) == text


def test_every_key_is_an_int_and_every_text_non_empty():
    assert len(ERRORS) > 300
    for code, text in ERRORS.items():
        assert type(code) is int, code
        assert isinstance(text, str) and text.strip(), code
        assert text == text.strip(), code


def test_ranges_are_covered():
    # general, slurmctld, SPANK, slurmd, socket, auth, accounting, federation, plugin, REST and data_t errors
    unused = {2065, 2079, 2103}  # numbers Slurm's enum skips
    for first, last in [(1000, 1025), (1800, 1805), (2000, 2181), (3000, 3012), (6007, 6011), (7000, 7014),
                        (7100, 7106), (8002, 8010), (9000, 9005), (9200, 9216)]:
        for code in range(first, last + 1):
            assert (code in ERRORS) != (code in unused), code
    assert 9006 not in ERRORS  # retired in Slurm (was ESLURM_REST_UNKNOWN_URL)


def test_unknown_number_is_unspecified():
    assert error_text(123456) == "Unspecified error"


@pytest.mark.parametrize("name,code", [
    ("PROTOCOL_AUTH", 1007), ("ACCESS_DENIED", 2002), ("USER_ID_MISSING", 2010), ("NODES_BUSY", 2016),
    ("INVALID_JOB_ID", 2017), ("ENV_MISSING_2511", 2019), ("ALREADY_DONE", 2021), ("INVALID_ACCOUNT", 2045),
    ("ACCOUNTING_POLICY", 2050), ("RESERVATION_INVALID", 2053), ("RESERVATION_OVERLAP", 2058),
    ("MISSING_WORK_DIR", 2063), ("INVALID_QOS", 2066), ("JOB_NOT_PENDING", 2073), ("JOB_FINISHED", 2084),
    ("ENVIRONMENT_MISSING", 2127), ("AUTH_NOBODY", 6010), ("DB_CONNECTION", 7000), ("DATA_PARSE", 9000),
    ("DATA_PATH_NOT_FOUND", 9200), ("DATA_FLAGS_INVALID", 9207), ("DATA_EXPECTED_DICT", 9209),
    ("DATA_AMBIGUOUS_QUERY", 9211),
])
def test_name_constants(name, code):
    assert getattr(errors, name) == code
    assert code in ERRORS


def test_every_constant_is_in_the_table():
    for name in dir(errors):
        value = getattr(errors, name)
        if name.isupper() and name != "ERRORS" and isinstance(value, int):
            assert value in ERRORS, name


def test_entry_shape():
    err = SlurmError(2017, "Unable to query JobId=42", "_job_get")
    assert err.entry() == {"description": "Unable to query JobId=42", "error_number": 2017,
                           "error": "Invalid job id specified", "source": "_job_get"}
    assert err.code == 2017 and err.warnings == []
    assert "2017" in str(err)


def test_entry_defaults_and_warnings():
    w = warning("Job is in held state, pending scheduler release", "_job_post")
    err = SlurmError(9000, warnings=[w])
    assert err.entry() == {"description": "", "error_number": 9000,
                           "error": "Query empty or not RFC7320 compliant", "source": ""}
    assert err.warnings == [w]
    assert w == {"description": "Job is in held state, pending scheduler release", "source": "_job_post"}
