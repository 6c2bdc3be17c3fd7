"""Every Slurm error this mock can answer with, in one table, and the exception the engine raises.

The HTTP status is not decided here: `profiles.py` maps (release, error number) to a status, because the
same controller error is a 500 on 25.11 and a 422 on 26.05."""

from __future__ import annotations

# error number -> Slurm's text for it (slurm_strerror); filled from Slurm's slurm_errno.c
ERRORS: dict[int, str] = {
    -1: "Unspecified error",
    0: "No error",
    1007: "Protocol authentication error",
    2002: "Access/permission denied",
    2010: "Invalid user id",
    2017: "Invalid job id specified",
    2021: "Job/step already completing or completed",
    9000: "Unspecified error",
}


def error_text(code: int) -> str:
    return ERRORS.get(code, "Unspecified error")


class SlurmError(Exception):
    """A failure the real daemon reports as an `errors[]` entry (`{description, error_number, error, source}`)."""

    def __init__(self, code: int, description: str = "", source: str = "", *, warnings=None):
        super().__init__(f"{code} {error_text(code)}: {description}")
        self.code = code
        self.description = description
        self.source = source
        self.warnings = list(warnings or [])

    def entry(self) -> dict:
        return {"description": self.description, "error_number": self.code,
                "error": error_text(self.code), "source": self.source}


def warning(description: str, source: str) -> dict:
    return {"description": description, "source": source}
