"""Execute mode: batch scripts really run on this machine (`mockrestd serve --execute`)."""

from .environment import Component, Launch, batch_environment
from .runner import Executor, Run

__all__ = ["Component", "Executor", "Launch", "Run", "batch_environment"]
