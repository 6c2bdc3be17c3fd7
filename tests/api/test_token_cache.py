"""A token's signature is checked once per key (auth/tokens.py `_VERIFIED`); everything else every time."""

import pytest

from mockrestd.auth import KeyRing, mint_token
from mockrestd.auth.tokens import TokenRejected, verify


def test_a_checked_token_still_expires_and_a_new_key_checks_it_again():
    ring = KeyRing(hs256_key=b"a" * 32)
    token = mint_token(ring.hs256_key, "alice", 100, now=1_000_000)
    assert verify(token, ring, now=1_000_050)["user"] == "alice"
    assert verify(token, ring, now=1_000_060)["user"] == "alice"          # from the cache
    with pytest.raises(TokenRejected, match="expired"):
        verify(token, ring, now=1_000_101)                                 # exp is checked on every call
    other = KeyRing(hs256_key=b"b" * 32)                                   # a key loaded since: checked again
    with pytest.raises(TokenRejected, match="jwt_decode"):
        verify(token, other, now=1_000_050)
    assert verify(token, ring, now=1_000_050)["user"] == "alice"
