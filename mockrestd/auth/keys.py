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
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
    return path


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
            from jwt import PyJWKSet
            data = json.loads(Path(jwks).read_text())
            for jwk in PyJWKSet.from_dict(data).keys:
                if jwk.key_type == "RSA":
                    ring.rs256_keys[jwk.key_id or ""] = jwk.key
        return ring

    def rs256_for(self, kid: str | None):
        if kid is not None and kid in self.rs256_keys:
            return self.rs256_keys[kid]
        if kid is None and len(self.rs256_keys) == 1:
            return next(iter(self.rs256_keys.values()))
        return None
