"""Which user a request acts as, decided like slurmrestd + slurmctld with `auth/jwt`, free of any HTTP framework."""

from __future__ import annotations

from dataclasses import dataclass

from .tokens import TokenRejected, verify


@dataclass(frozen=True)
class AuthRules:
    """What differs between releases: 22.05 wants both X-SLURM-USER-NAME and -TOKEN and knows no Bearer."""

    user_name_header_required: bool = False
    bearer_allowed: bool = True
    user_claim: str = "sun"


@dataclass(frozen=True)
class Identity:
    user: str
    operator: bool
    token_user: str


@dataclass(frozen=True)
class AuthOutcome:
    kind: str                          # "missing" | "refused" (by slurmrestd: 401) | "bad" (by slurmctld) | "ok"
    identity: Identity | None = None
    reason: str = ""

    @property
    def missing(self) -> bool:
        return self.kind == "missing"

    @property
    def refused(self) -> bool:
        return self.kind == "refused"

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


MISSING = AuthOutcome("missing", reason="no token")
# a token longer than any issuer makes (scontrol: ~200 bytes, identity providers: a few KiB) is refused like
# a forged one, before it is decoded, so a huge one costs nothing
MAX_TOKEN_BYTES = 16 * 1024


def authenticate(headers, keyring, *, operators=("root", "slurm"), rules: AuthRules = AuthRules(),
                 now: float | None = None) -> AuthOutcome:
    """`headers` maps lower-case names to values; `now` is wall time (a token's `exp` is). `reason` never
    holds the token or key bytes: it is logged."""
    token = headers.get("x-slurm-user-token")
    name = headers.get("x-slurm-user-name")
    bearer = None
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        bearer = auth[7:].strip()
    if bearer is not None and not rules.bearer_allowed:
        bearer = None
    if token is None and bearer is None:
        return MISSING
    if token is not None and rules.user_name_header_required and name is None:
        return MISSING
    if token is not None and bearer is not None:
        # rest_auth/jwt refuses this itself (25.11.7: 401 text/plain on every path, ping included)
        return AuthOutcome("refused", reason="both X-SLURM-USER-TOKEN and Authorization: Bearer sent")
    token = token if token is not None else bearer
    if len(token) > MAX_TOKEN_BYTES:
        return AuthOutcome("bad", reason=f"token of {len(token)} bytes (more than {MAX_TOKEN_BYTES})")
    try:
        claims = verify(token, keyring, now=now, user_claim=rules.user_claim)
    except TokenRejected as e:
        return AuthOutcome("bad", reason=str(e))
    token_user = claims["user"]
    user = token_user
    if name is not None and name != token_user:
        if token_user not in operators:
            return AuthOutcome("bad", reason=f"{token_user} may not act as {name}")
        user = name
    return AuthOutcome("ok", Identity(user, user in operators, token_user))
