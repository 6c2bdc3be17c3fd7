"""Minting and checking tokens the way `scontrol token` and slurmctld's `auth/jwt` do."""

from __future__ import annotations

import time

import jwt


class TokenRejected(Exception):
    """The token was sent but slurmctld would not accept it (bad signature, expired, garbage, ...)."""


def mint_token(key: bytes, username: str, lifespan: int = 1800, now: float | None = None) -> str:
    now = int(time.time() if now is None else now)
    return jwt.encode({"exp": now + int(lifespan), "iat": now, "sun": username}, key, algorithm="HS256")


# token -> (header, key, claims) of a signature checked already: clients send the same token with every
# request, and checking it is most of what a ping costs. Only the signature is kept: `exp` and the user are
# checked on every call, and a key reloaded since (another object) checks the signature again.
_VERIFIED: dict = {}
_VERIFIED_MAX = 4096


def verify(token: str, keyring, now: float | None = None, user_claim: str = "sun") -> dict:
    """The token's claims with `user` set; raises TokenRejected where slurmctld's auth/jwt (25.11.7,
    src/plugins/auth/jwt/auth_jwt.c) refuses it: an algorithm other than HS256/RS256 (`none` included), no
    key loaded for it, RS256 without a `kid` or with one the JWKS lacks, a bad signature, `exp` missing, not
    an integer or before `now` (wall time), no user name. Like slurmctld it checks neither `iat` nor `nbf`
    nor the lifespan. Messages never quote the token."""
    hit = _VERIFIED.get(token)
    if hit is not None:
        header = hit[0]
    else:
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise TokenRejected("unreadable token") from None
    alg = header.get("alg")
    if alg == "HS256":
        key = keyring.hs256_key
    elif alg == "RS256":
        key = keyring.rs256_for(header.get("kid"))
    else:
        raise TokenRejected(f"no support for alg={str(alg)[:20]!r}")
    if key is None:
        raise TokenRejected(f"no {alg} key for this token" + (" (kid)" if alg == "RS256" else ""))
    if hit is not None and hit[1] is key:      # signature checked with this very key before
        claims = dict(hit[2])
    else:
        try:
            claims = jwt.decode(token, key, algorithms=[alg],
                                options={"require": [], "verify_exp": False, "verify_iat": False,
                                         "verify_nbf": False, "verify_aud": False, "verify_iss": False,
                                         "verify_sub": False, "verify_jti": False})
        except (jwt.PyJWTError, ValueError, TypeError) as e:
            raise TokenRejected(f"jwt_decode failure: {type(e).__name__}") from None
        if not isinstance(claims, dict):
            raise TokenRejected("claims are not an object")
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[token] = (header, key, dict(claims))
    exp = claims.get("exp")
    current = time.time() if now is None else now
    # libjwt's jwt_get_grant_int: 0 for a missing or non-integer `exp`, so those are expired too (and jansson
    # cannot read an integer past int64: such a token does not decode)
    if not isinstance(exp, int) or isinstance(exp, bool) or exp < current or exp >= 2 ** 63:
        raise TokenRejected("token expired")
    user = next((claims[c] for c in dict.fromkeys(("sun", "username", user_claim)) if isinstance(claims.get(c), str)),
                None)
    if not user:
        raise TokenRejected("token names no user")
    claims["user"] = user
    return claims
