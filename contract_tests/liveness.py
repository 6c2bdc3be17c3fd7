"""Notice a target that dies mid-run, and stop there.

A request that crashes a real slurmrestd turns every later test into a refused connection (53 failures in
one run against 25.11.7, all noise but one). So the suite remembers the last requests it sent; when a
request fails at the connection level (refused, reset, closed without an answer) after the target has
answered before, it asks the target once more; if that fails too, the target is declared dead: the test
that noticed fails with the suspected crash and the curl lines of the last requests, nothing more is sent,
and every later test is skipped with that reason (`conftest.py`)."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from pathlib import Path

_LOCK = threading.Lock()
_RECENT: deque = deque(maxlen=5)          # (time, curl) of the last requests sent
_STATE = {"answered": 0, "dead": None}


class TargetDied(BaseException):
    """Raised where a request finds the target dead. A BaseException, so hypothesis neither shrinks nor
    retries against a dead daemon, and schemathesis does not fold it into a check failure."""


def sent(curl: str) -> None:
    with _LOCK:
        _RECENT.append((time.strftime("%H:%M:%S"), curl or "(request not reproducible as curl)"))


def answered() -> None:
    with _LOCK:
        _STATE["answered"] += 1


def dead() -> str | None:
    """Why the target is considered dead (None while it answers)."""
    if _STATE["dead"] is None:
        marker = _marker()
        if marker is not None and marker.is_file():
            _STATE["dead"] = marker.read_text()
    return _STATE["dead"]


def is_connection_error(exc: BaseException) -> bool:
    """Refused, reset or closed without an answer: what a crashed daemon looks like to a client."""
    if isinstance(exc, ConnectionError):               # ConnectionRefused/Reset/Aborted, BrokenPipe
        return True
    if isinstance(exc, BaseExceptionGroup):            # hypothesis reports several distinct failures so
        return any(is_connection_error(e) for e in exc.exceptions)
    try:
        import requests
        if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
            return True
    except ImportError:
        pass
    try:
        import httpx
        if isinstance(exc, (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
            return True
    except ImportError:
        pass
    cause = exc.__cause__ or exc.__context__
    return cause is not None and cause is not exc and is_connection_error(cause)


def alive(url: str, wait: float | None = None) -> bool:
    """Does the target accept a connection and answer an HTTP request within `wait` seconds?"""
    import httpx
    wait = float(os.environ.get("CONTRACT_DEAD_WAIT", "3")) if wait is None else wait
    deadline = time.time() + wait
    while True:
        try:
            httpx.get(f"{url}/openapi/v3", timeout=max(1.0, wait))     # no token: 401 is an answer too
            return True
        except (httpx.HTTPError, OSError):
            if time.time() >= deadline:
                return False
            time.sleep(0.3)


def check(exc: BaseException, where: str = "") -> None:
    """After a connection-level failure: raise TargetDied if the target answered before and answers no
    more; return otherwise (the caller re-raises the original error)."""
    from .target import get_target
    if dead() is not None:
        raise TargetDied(dead())
    if not is_connection_error(exc) or _STATE["answered"] == 0:
        return
    target = get_target()
    if alive(target.url):
        return
    raise TargetDied(declare(target.url, exc, where))


def declare(url: str, exc: BaseException | None, where: str = "") -> str:
    """Record the target as dead; returns the explanation (also kept for other xdist workers)."""
    with _LOCK:
        recent = list(_RECENT)
        answered_count = _STATE["answered"]
    lines = [f"TARGET DIED: {url} stopped answering{' during ' + where if where else ''}"
             f" ({type(exc).__name__}: {exc})" if exc else f"TARGET DIED: {url} stopped answering",
             f"It had answered {answered_count} request(s) in this process; a new connection is refused or "
             f"dropped too. Suspected crash: the last request(s) sent before the silence, oldest first:"]
    lines += [f"  [{t}] {curl}" for t, curl in recent] or ["  (none recorded)"]
    lines += ["Nothing more is sent: the rest of the run is skipped. If one of these kills the daemon, list it "
              "in contract_tests/divergences.toml [[crash]] (CONTRACT_TRACE=FILE keeps every request)."]
    text = "\n".join(lines)
    with _LOCK:
        if _STATE["dead"] is None:
            _STATE["dead"] = text
            marker = _marker()
            if marker is not None:
                try:
                    marker.parent.mkdir(parents=True, exist_ok=True)
                    marker.write_text(text)
                except OSError:
                    pass
    from . import recorder
    recorder.add({"type": "target_died", "url": url, "message": text, "last_requests": [c for _, c in recent]})
    return _STATE["dead"]


def _marker() -> Path | None:
    """Under xdist the workers share one real target: the first to see it die tells the others (per run)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        return None
    from .report import report_dir
    return report_dir() / ".parts" / f"target-died-{run}.txt"


def reset() -> None:
    """For tests of this module."""
    with _LOCK:
        _RECENT.clear()
        _STATE.update(answered=0, dead=None)

