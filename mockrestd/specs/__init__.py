"""Spec loading: find, verify and normalise the OpenAPI documents slurmrestd generates."""

from .loader import Candidate, Operation, SpecIndex, SpecSet, VersionSpec, deref, load_specs, resolve, scan_specs
from .normalise import RULES, normalise, operation_name, param_python_name
from .sync import SyncReport, default_specs_dir, read_manifest, sync

__all__ = ["Operation", "SpecSet", "VersionSpec", "SpecIndex", "Candidate", "scan_specs", "load_specs", "resolve",
           "deref", "normalise", "RULES", "operation_name", "param_python_name", "default_specs_dir",
           "read_manifest", "sync", "SyncReport"]
