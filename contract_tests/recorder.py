"""Events for the report, recorded where they happen (schema hooks, scenario client) and shipped to the
report plugin through each test's `user_properties`, so they survive pytest-xdist."""

from __future__ import annotations

import threading

_LOCK = threading.Lock()
_EVENTS: list[dict] = []
_SENT_INVENTORY = False

# kept short: the report needs the gist, not every generated body
MAX_TEXT = 600


def _short(text: str) -> str:
    text = str(text)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def add(event: dict) -> None:
    with _LOCK:
        _EVENTS.append(event)


def case(kind: str, operation_id: str, phase: str, status: int | None, results: list[tuple[str, str]]) -> None:
    """One generated case: its checks as (check name, "passed" | "failed")."""
    add({"type": "case", "kind": kind, "operation": operation_id, "phase": phase, "status": status,
         "checks": results})


def failure(kind: str, operation_id: str, phase: str, status: int | None, check: str, title: str,
            subject: str, curl: str = "") -> None:
    add({"type": "failure", "kind": kind, "operation": operation_id, "phase": phase, "status": status,
         "check": check, "title": _short(title), "subject": _short(subject), "curl": curl[:4000]})


def relaxed(kind: str, operation_id: str, phase: str, status: int | None, check: str, divergence: str,
            subject: str) -> None:
    add({"type": "relaxed", "kind": kind, "operation": operation_id, "phase": phase, "status": status,
         "check": check, "divergence": divergence, "subject": _short(subject)})


def request(test: str, operation_id: str | None, method: str, path: str, status: int) -> None:
    """A scenario's request (scenarios check behaviour; the report counts them per operation)."""
    add({"type": "request", "kind": "scenario", "test": test, "operation": operation_id, "method": method,
         "path": path, "status": status})


def inventory_once(make) -> None:
    """Send the target description and operation list once per process (`make()` builds it)."""
    global _SENT_INVENTORY
    with _LOCK:
        if _SENT_INVENTORY:
            return
        _SENT_INVENTORY = True
    try:
        add({"type": "inventory", **make()})
    except Exception as exc:  # the report must not break a run
        add({"type": "inventory", "error": f"{type(exc).__name__}: {exc}"})


def drain() -> list[dict]:
    with _LOCK:
        out = list(_EVENTS)
        _EVENTS.clear()
    return out
