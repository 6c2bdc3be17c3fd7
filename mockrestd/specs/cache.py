"""Where mockrestd keeps what it has worked out about spec documents, so a new process need not redo it.

Everything here is keyed by content (sha256), never by file name or time, so a changed document is simply
a new entry: `<state dir>/cache/`, the state dir being `$XDG_STATE_HOME/mockrestd` (default
`~/.local/state/mockrestd`, where `serve` also keeps its JWT key). `MOCKRESTD_CACHE=off` turns the on-disk
cache off (results are then kept in memory only, for the life of the process). A cache that cannot be read
or written is ignored: it only ever saves time."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import shutil
from pathlib import Path


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "mockrestd"


def cache_dir() -> Path | None:
    """`<state dir>/cache`, or None when `MOCKRESTD_CACHE` is "off" (or "0", "no", "false")."""
    if os.environ.get("MOCKRESTD_CACHE", "").strip().lower() in ("off", "0", "no", "false"):
        return None
    return state_dir() / "cache"


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temporary file and a rename (readers see the old or the new file, never
    half of one). False, and nothing raised, if it cannot be written."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(path)
        return True
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass
        return False


class SpecStore:
    """Facts and normalised documents of spec files, one pair of small JSON files per file's sha256, in a
    folder named after the code that computes them (`code_fingerprint`): a change to the normalise rules or
    the loader starts an empty folder, so a cached result is never one that the current code would not
    give. Reads that fail (missing, truncated, foreign) are misses; writes that fail are dropped."""

    KEEP_FOLDERS = 3          # fingerprint folders kept (the newest); older code's results are removed

    def __init__(self, root: Path, fingerprint: str):
        self.root = root
        self.dir = root / fingerprint
        self._pruned = False

    def _read(self, name: str):
        try:
            return json.loads((self.dir / name).read_bytes())
        except (OSError, ValueError):
            return None

    def _write(self, name: str, value) -> None:
        if not self._pruned:
            self._pruned = True
            self._prune()
        write_atomic(self.dir / name, json.dumps(value, separators=(",", ":")).encode())

    def _prune(self) -> None:
        try:
            others = sorted((p for p in self.root.iterdir() if p.is_dir() and p != self.dir),
                            key=lambda p: p.stat().st_mtime, reverse=True)
        except OSError:
            return
        for old in others[self.KEEP_FOLDERS - 1:]:
            shutil.rmtree(old, ignore_errors=True)

    def facts(self, digest: str) -> dict | None:
        value = self._read(f"{digest}.facts.json")
        return value if isinstance(value, dict) and value.get("sha256") == digest else None

    def put_facts(self, digest: str, facts: dict) -> None:
        self._write(f"{digest}.facts.json", {**facts, "sha256": digest})

    def documents(self, digest: str) -> dict | None:
        """version -> normalised document cut for that version, as `put_documents` stored them."""
        value = self._read(f"{digest}.documents.json")
        if not isinstance(value, dict) or value.get("sha256") != digest or not isinstance(value.get("versions"), dict):
            return None
        return value["versions"]

    def put_documents(self, digest: str, versions: dict) -> None:
        self._write(f"{digest}.documents.json", {"sha256": digest, "versions": versions})


@functools.cache
def code_fingerprint() -> str:
    """sha256 (16 hex digits) of the source of the modules whose code decides facts and documents (as
    loaded by this process: read once)."""
    h = hashlib.sha256(f"store {STORE_FORMAT}\n".encode())
    for name in ("loader", "normalise"):      # (the package's `normalise` is the function, not the module)
        h.update(Path(importlib.import_module(f"{__package__}.{name}").__file__).read_bytes())
    return h.hexdigest()[:16]


STORE_FORMAT = 1


def default_store() -> SpecStore | None:
    """The store under `cache_dir()/specs`, or None when the on-disk cache is off."""
    root = cache_dir()
    if root is None:
        return None
    try:
        fingerprint = code_fingerprint()
    except OSError:
        return None
    return SpecStore(root / "specs", fingerprint)
