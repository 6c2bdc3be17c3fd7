"""Where the real spec documents live (../shared/specs beside the checkout) and small helpers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

SHARED_SPECS = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
REPO = Path(__file__).resolve().parents[2]
PER_VERSION = ["slurm-v0.0.41.json", "slurm-v0.0.42.json", "slurm-v0.0.43.json", "slurm-v0.0.44.json"]
LIVE_2205 = "slurm-22.05.8-openapi-v3.json"
LIVE_2411 = "slurm-24.11.5-openapi-v3.json"
LIVE_2605 = "slurm-26.05.5-openapi-v3.json"


def need_shared():
    if not SHARED_SPECS.is_dir():
        pytest.skip(f"real specs expected in {SHARED_SPECS}")
    return SHARED_SPECS


def raw(name: str) -> dict:
    return json.loads((need_shared() / name).read_bytes())


def copy_specs(dest: Path, *names: str) -> Path:
    """A folder holding only `names` (copied into a test's tmp dir, never into the project)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(need_shared() / name, dest / name)
    return dest


def all_refs(node):
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                yield item["$ref"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
