"""JWT auth like slurmrestd with `auth/jwt`: HS256 key files, RS256 JWKS, the header rules."""

from .gate import MISSING, AuthOutcome, AuthRules, Identity, authenticate
from .keys import KeyRing, default_key_path
from .tokens import TokenRejected, mint_token, verify

__all__ = ["AuthOutcome", "AuthRules", "Identity", "KeyRing", "MISSING", "TokenRejected", "authenticate",
           "default_key_path", "mint_token", "verify"]
