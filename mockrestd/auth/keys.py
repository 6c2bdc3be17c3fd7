"""Keys like slurmctld's `auth/jwt`: the raw bytes of an HS256 key file, and/or RS256 keys from a JWKS file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


def _state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "mockrestd"


def default_key_path() -> Path:
    """The key `serve` and `token` share when none is given; made on first use (32 random bytes, 0600)."""
    path = _state_dir() / "jwt_hs256.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _publish_key(path)
    return path


def _publish_key(path: Path) -> None:
    """Write a whole key under a temporary name, then link it into place: two mocks starting at once never
    read a half-written (empty) key, and the first to publish wins (a later one does not replace the key
    the first already serves with)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)            # atomic and never replaces: FileExistsError if another won
        except FileExistsError:
            pass
        except OSError:                   # a file system without hard links: rename, still atomic
            if not path.exists():
                os.replace(tmp, path)
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass


@dataclass
class KeyRing:
    hs256_key: bytes | None = None
    rs256_keys: dict = field(default_factory=dict)      # kid -> public key object

    @classmethod
    def from_files(cls, jwt_key=None, jwks=None) -> "KeyRing":
        ring = cls()
        if jwt_key:
            # the whole file is the HMAC key, exactly as slurmctld reads jwt_hs256.key: no stripping
            ring.hs256_key = Path(jwt_key).read_bytes()
        if jwks:
            ring.rs256_keys = rs256_keys(json.loads(Path(jwks).read_text()))
        return ring

    def rs256_for(self, kid: str | None):
        """Only the key the token names: slurmctld refuses an RS256 token without `kid`, even when the
        JWKS holds a single key."""
        return self.rs256_keys.get(kid) if isinstance(kid, str) else None


def rs256_keys(jwks: dict) -> dict:
    """kid -> public key for the keys slurmctld's auth/jwt can use: RSA with a `kid` and `alg` RS256 (it
    skips any other key when verifying); a JWKS with none of those leaves every RS256 token refused."""
    from jwt import PyJWK, PyJWTError
    keys = {}
    for entry in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if str(entry.get("alg", "")).upper() != "RS256" or entry.get("kty") != "RSA":
            continue
        try:
            keys[entry["kid"]] = PyJWK(entry).key
        except (PyJWTError, ValueError, TypeError):
            continue
    return keys
