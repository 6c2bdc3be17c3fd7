"""Tests of compose/: the Docker Compose files (static) and the native scripts (tests/real starts them)."""

from __future__ import annotations

from pathlib import Path


REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "compose"
NATIVE = COMPOSE / "native"
