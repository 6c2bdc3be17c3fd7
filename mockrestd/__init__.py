"""mockrestd: a mock slurmrestd driven by the OpenAPI specs slurmrestd itself generates."""

import warnings as _warnings

__version__ = "0.1.0"

# connexion 3.3 imports starlette.testclient at import time (connexion/apps/abstract.py), and starlette
# warns there that its test client wants httpx2: none of the user's business, so silenced before any
# module of ours imports connexion. Only this message; every other warning still shows.
_warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette\.testclient` is deprecated",
                         module=r"connexion\.apps\.abstract")
