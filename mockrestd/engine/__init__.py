"""The emulated cluster: no HTTP, no API versions; records in v0.0.44 vocabulary with plain values."""

from .cluster import Cluster, SubmitResult, parse_array
from .clock import Clock, ManualClock
from .values import INFINITE

__all__ = ["Cluster", "Clock", "INFINITE", "ManualClock", "SubmitResult", "parse_array"]
