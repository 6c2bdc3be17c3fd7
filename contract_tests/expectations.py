"""What each Slurm release answers where releases differ: the ONE table the scenarios read.

Keyed by release series; a release not listed uses the nearest older series (or the oldest known). Values
measured on real daemons (../shared/DESIGN.md Part 1; 26.05.5 from its 71-request comparison run)."""

from __future__ import annotations

RELEASES: dict[str, dict] = {
    "22.05": {
        "controller_error": 500,       # 2000-range controller errors (update refused 2073, ...)
        "unknown_job": 500,            # GET /job/{unknown}: error 2017
        "missing_token": 401,          # text/plain, before routing
        "bad_token": 500,              # /slurm/: token present but rejected by slurmctld
        "bad_token_db": 500,           # /slurmdb/
        "bad_token_ping": 500,         # /ping with a bad token
        "mixed_headers": {500},
        "bearer": False,               # Authorization: Bearer understood
        "wrong_method": 405,
    },
    "24.11": {   # 24.11.5 (trixie chroot, no slurmdbd): bad tokens 511 like 25.11; bad_token_db not measured
        "controller_error": 500, "unknown_job": 404, "missing_token": 401, "bad_token": 511,
        "bad_token_db": 500, "bad_token_ping": 200, "mixed_headers": {401, 511}, "bearer": True,
        "wrong_method": 404,
    },
    "25.11": {
        "controller_error": 500, "unknown_job": 404, "missing_token": 401, "bad_token": 511,
        "bad_token_db": 502, "bad_token_ping": 200, "mixed_headers": {401, 511}, "bearer": True,
        "wrong_method": 404,
    },
    "26.05": {
        "controller_error": 422, "unknown_job": 404, "missing_token": 401, "bad_token": 511,
        "bad_token_db": 502, "bad_token_ping": 200, "mixed_headers": {401, 511}, "bearer": True,
        "wrong_method": 404,
    },
}


def _key(series: str) -> tuple[int, ...]:
    return tuple(int(x) for x in series.split(".") if x.isdigit())


def series_of(release: str) -> str:
    """The table row for a release: "25.11.7" → "25.11"; unknown → nearest older known (or oldest)."""
    series = ".".join(str(release).split(".")[:2])
    if series in RELEASES:
        return series
    try:
        older = [s for s in RELEASES if _key(s) <= _key(series)]
    except ValueError:
        older = []
    return max(older, key=_key) if older else min(RELEASES, key=_key)


def expect(release: str, what: str):
    return RELEASES[series_of(release)][what]
