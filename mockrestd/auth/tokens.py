"""Minting and checking tokens the way `scontrol token` and slurmctld's `auth/jwt` do."""

from __future__ import annotations

import time

import jwt


class TokenRejected(Exception):
    """The token was sent but slurmctld would not accept it (bad signature, expired, garbage, ...)."""


def mint_token(key: bytes, username: str, lifespan: int = 1800, now: float | None = None) -> str:
    now = int(time.time() if now is None else now)
    return jwt.encode({"exp": now + int(lifespan), "iat": now, "sun": username}, key, algorithm="HS256")


def verify(token: str, keyring, now: float | None = None, user_claim: str = "sun") -> dict:
    """The token's claims with `user` set; raises TokenRejected like the controller would refuse it."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as e:
        raise TokenRejected(f"unreadable token: {e}") from None
    alg = header.get("alg")
    if alg == "HS256" and keyring.hs256_key is not None:
        key = keyring.hs256_key
    elif alg == "RS256" and keyring.rs256_for(header.get("kid")) is not None:
        key = keyring.rs256_for(header.get("kid"))
    else:
        raise TokenRejected(f"no key for algorithm {alg!r}")
    try:
        claims = jwt.decode(token, key, algorithms=[alg], options={"require": ["exp"], "verify_exp": False,
                                                                   "verify_iat": False, "verify_aud": False})
    except jwt.PyJWTError as e:
        raise TokenRejected(str(e)) from None
    current = time.time() if now is None else now
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= current:
        raise TokenRejected("token expired")
    user = claims.get(user_claim) or claims.get("sun") or claims.get("username")
    if not isinstance(user, str) or not user:
        raise TokenRejected("token names no user")
    claims["user"] = user
    return claims
