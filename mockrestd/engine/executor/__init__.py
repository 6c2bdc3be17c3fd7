"""Execute mode: batch scripts really run on this machine (`mockrestd serve --execute`)."""

from .environment import Component, Launch, batch_environment
from .execution import Execution
from .runner import Executor, Run

__all__ = ["Component", "Execution", "Executor", "Launch", "Run", "batch_environment"]
