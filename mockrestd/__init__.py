"""mockrestd: a mock slurmrestd driven by the OpenAPI specs slurmrestd itself generates."""

__version__ = "0.1.0"
