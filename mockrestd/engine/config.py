"""The cluster file: the embedded default, overridden section by section by a user's TOML or YAML file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "default_cluster.toml"


def _read(path: Path) -> dict:
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        import yaml
        data = yaml.safe_load(text) or {}
    elif path.suffix == ".json":
        data = json.loads(text)
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            import yaml
            data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a cluster file is a table of sections")
    return data


def load_config(path=None) -> dict:
    """Defaults, with each section the user's file gives replacing (lists) or updating (tables) the default."""
    config = _read(DEFAULT_FILE)
    if path is None:
        return config
    user = _read(Path(path))
    unknown = set(user) - set(config)
    if unknown:
        raise ValueError(f"unknown section(s) in cluster file: {', '.join(sorted(unknown))}")
    for key, value in user.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config
