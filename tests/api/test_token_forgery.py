"""Forged, mangled and borrowed tokens never pass (issue #11 §2).

Each is refused as slurmctld's auth/jwt refuses it (25.11.7 src/plugins/auth/jwt/auth_jwt.c): the operation's
own refused-token answer (511 on /slurm/, 502 on /slurmdb/, ping 200 DOWN), on both header styles; both
styles at once are refused by slurmrestd itself (401 text/plain). What slurmctld does *not* check (`iat`,
`nbf`, the lifespan) is accepted, as there. A property-based test mutates valid tokens and checks that none
is accepted; the counts are printed for the coordinator's note."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mockrestd.auth import KeyRing

ROOT = Path(__file__).resolve().parents[2]
V = "v0.0.44"
PATHS = (f"/slurm/{V}/jobs/", f"/slurmdb/{V}/accounts/", "/slurm/v0.0.41/nodes/", "/slurmdb/v0.0.42/users/")
REFUSED = {"/slurm/": 511, "/slurmdb/": 502}
COUNTS = {"tried": 0, "rejected": 0}
# the counts are summed by the tests of this module in one process: one xdist worker runs them all
pytestmark = pytest.mark.xdist_group("token-forgery")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw(header: dict, claims: dict, key: bytes | None = None, signature: bytes | None = None) -> str:
    """A token assembled by hand (pyjwt refuses to make some of these), HS256-signed with `key` if given."""
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    if signature is None:
        signature = hmac.new(key, head.encode(), hashlib.sha256).digest() if key is not None else b""
    return head + "." + _b64(signature)


def _claims(user="alice", **extra):
    now = int(time.time())
    return {"sun": user, "iat": now, "exp": now + 600, **extra}


def _rsa():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(private, kid, alg="RS256"):
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update(kid=kid, use="sig")
    if alg is not None:
        jwk["alg"] = alg
    return jwk


@pytest.fixture(scope="module")
def rsa_keys():
    return {"k1": _rsa(), "k2": _rsa(), "stranger": _rsa()}


@pytest.fixture
def forge(mock, rsa_keys, tmp_path):
    """The mock with an HS256 key file and a JWKS of two RS256 keys, as `serve --jwt-key --jwks`."""
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [_jwk(rsa_keys["k1"], "k1"), _jwk(rsa_keys["k2"], "k2")]}))
    mock.site.keyring = KeyRing.from_files(jwt_key=mock.key_file, jwks=jwks)
    mock.jwks = jwks
    return mock


def _rs256(private, claims, kid="k1"):
    return jwt.encode(claims, private, algorithm="RS256", headers={} if kid is None else {"kid": kid})


def _styles(token, user_name=None):
    extra = {} if user_name is None else {"X-SLURM-USER-NAME": user_name}
    return ({"X-SLURM-USER-TOKEN": token, **extra}, {"Authorization": f"Bearer {token}", **extra})


def _assert_refused(mock, token, paths=PATHS, user_name=None):
    """Refused on every path and both header styles, with the operation's own refused-token answer."""
    for path in paths:
        for headers in _styles(token, user_name):
            COUNTS["tried"] += 1
            r = mock.client.get(path, headers=headers)
            status = REFUSED["/slurmdb/" if path.startswith("/slurmdb/") else "/slurm/"]
            assert r.status_code == status, (path, r.status_code, r.text[:200])
            body = r.json()
            number = 7000 if status == 502 else 1007
            assert [e["error_number"] for e in body["errors"]] == [number]
            assert token not in r.text
            COUNTS["rejected"] += 1
        r = mock.client.get(path.replace("jobs/", "ping/").replace("nodes/", "ping/"),
                            headers=_styles(token, user_name)[0])
        if "/slurm/" in path:
            assert r.status_code == 200 and r.json()["pings"][0]["pinged"] == "DOWN"


def _assert_accepted(mock, token, user="alice", user_name=None):
    for path in PATHS[:2]:
        for headers in _styles(token, user_name):
            r = mock.client.get(path, headers=headers)
            assert r.status_code == 200, (path, r.text[:200])
            if path.startswith("/slurm/"):
                assert r.json()["meta"]["client"]["user"] == user


def test_a_valid_token_of_each_kind_passes(forge, rsa_keys):
    """The baseline the forgeries are measured against: HS256 from the key file, RS256 by its kid."""
    _assert_accepted(forge, forge.token("alice"))
    _assert_accepted(forge, _rs256(rsa_keys["k1"], _claims()))
    _assert_accepted(forge, _rs256(rsa_keys["k2"], _claims(), kid="k2"))


def test_alg_none_and_unknown_algorithms(forge):
    for alg in ("none", "None", "NONE", "HS384", "HS512", "RS512", "ES256", "PS256", "", None):
        _assert_refused(forge, _raw({"alg": alg, "typ": "JWT"}, _claims(), signature=b""))
        _assert_refused(forge, _raw({"alg": alg, "typ": "JWT"}, _claims(), key=forge.key))
    _assert_refused(forge, _raw({"typ": "JWT"}, _claims(), key=forge.key))            # no alg at all


def test_hs256_signed_with_another_key(forge):
    # (not forge.key[:-1]: HMAC pads a short key with zeros, so a key ending in 0x00 would still match)
    for key in (os.urandom(32), forge.key + b"\n", forge.key[:-1] + bytes([forge.key[-1] ^ 1]), b""):
        _assert_refused(forge, _raw({"alg": "HS256", "typ": "JWT"}, _claims(), key=key))


def test_algorithm_confusion_hs256_signed_with_the_rs256_public_key(forge, rsa_keys):
    public = rsa_keys["k1"].public_key()
    for pem in (public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
                public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
                forge.jwks.read_bytes()):
        for header in ({"alg": "HS256"}, {"alg": "HS256", "kid": "k1"}):
            _assert_refused(forge, _raw(header, _claims(), key=pem))


def test_algorithm_confusion_with_no_hs256_key_loaded(forge, rsa_keys, tmp_path):
    forge.site.keyring = KeyRing.from_files(jwks=forge.jwks)          # `serve --jwks` only
    _assert_accepted(forge, _rs256(rsa_keys["k1"], _claims()))
    _assert_refused(forge, forge.token("alice"))
    pem = rsa_keys["k1"].public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    _assert_refused(forge, _raw({"alg": "HS256", "kid": "k1"}, _claims(), key=pem))


def test_rs256_kid_rules(forge, rsa_keys):
    _assert_refused(forge, _rs256(rsa_keys["k1"], _claims(), kid="nope"))              # unknown kid
    _assert_refused(forge, _rs256(rsa_keys["k1"], _claims(), kid=None))                # no kid, several keys
    _assert_refused(forge, _rs256(rsa_keys["k1"], _claims(), kid="k2"))                # another key's kid
    _assert_refused(forge, _rs256(rsa_keys["stranger"], _claims(), kid="k1"))          # a key not in the JWKS
    _assert_refused(forge, _raw({"alg": "RS256", "kid": "k1"}, _claims(), signature=b""))
    _assert_refused(forge, _raw({"alg": "RS256", "kid": 1}, _claims(), signature=b"x" * 256))


def test_rs256_without_kid_is_refused_even_with_a_single_key(forge, rsa_keys, tmp_path):
    """auth_jwt.c: `no kid in credential` comes before any key is tried."""
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"keys": [_jwk(rsa_keys["k1"], "k1")]}))
    forge.site.keyring = KeyRing.from_files(jwt_key=forge.key_file, jwks=one)
    _assert_refused(forge, _rs256(rsa_keys["k1"], _claims(), kid=None))
    _assert_accepted(forge, _rs256(rsa_keys["k1"], _claims(), kid="k1"))


def test_a_jwks_with_no_usable_key_refuses_every_rs256_token(forge, rsa_keys, tmp_path):
    """Keys without `alg: RS256`, without `kid`, or not RSA are skipped by auth/jwt; start-up still works."""
    private = rsa_keys["k1"]
    unusable = [_jwk(private, "a", alg=None), _jwk(private, "b", alg="RS512"),
                {k: v for k, v in _jwk(private, "c").items() if k != "kid"},
                {"kty": "oct", "kid": "d", "alg": "RS256", "k": _b64(b"secret")}, {"kty": "RSA", "kid": "e"}]
    bad = tmp_path / "unusable.json"
    bad.write_text(json.dumps({"keys": unusable}))
    forge.site.keyring = KeyRing.from_files(jwt_key=forge.key_file, jwks=bad)
    assert forge.site.keyring.rs256_keys == {}
    for kid in ("a", "b", "c", "d", "e", None):
        _assert_refused(forge, _rs256(private, _claims(), kid=kid))
    _assert_accepted(forge, forge.token("alice"))            # the HS256 key still works


def test_expiry_claims(forge):
    now = int(time.time())
    key = forge.key
    base = {"alg": "HS256", "typ": "JWT"}
    for claims in ({"sun": "alice", "iat": now},                                   # no exp
                   _claims(exp=now - 1), _claims(exp=now - 86400 * 365), _claims(exp=0), _claims(exp=-5),
                   _claims(exp=str(now + 600)), _claims(exp=float(now + 600)), _claims(exp=True),
                   _claims(exp=None), _claims(exp=[now + 600]), _claims(exp=2 ** 64)):
        _assert_refused(forge, _raw(base, claims, key=key))


def test_what_slurmctld_does_not_check_is_accepted_as_there(forge):
    """auth_jwt.c checks `exp` only: `iat`/`nbf` in the future and a ten-year lifespan pass on real 25.11.7,
    so they pass here (refusing them would fail clients that real Slurm serves)."""
    now = int(time.time())
    base = {"alg": "HS256", "typ": "JWT"}
    for claims in (_claims(iat=now + 86400), _claims(nbf=now + 86400), _claims(iat="later", nbf="x"),
                   _claims(exp=now + 10 * 365 * 86400), {"sun": "alice", "exp": now + 60}):
        _assert_accepted(forge, _raw(base, claims, key=forge.key))


def test_user_claims(forge):
    base = {"alg": "HS256", "typ": "JWT"}
    now = int(time.time())
    for claims in ({"exp": now + 600}, _claims(user=""), _claims(user=None), _claims(user=42),
                   _claims(user=["alice"])):
        _assert_refused(forge, _raw(base, claims, key=forge.key))
    # no `sun`: auth_jwt falls back to `username`
    _assert_accepted(forge, _raw(base, {"username": "bob", "exp": now + 600}, key=forge.key), user="bob")


def test_a_sun_that_is_not_a_user(forge):
    """Default: a new ordinary user (Part 3, so a developer's own name works); --strict-users: as real
    25.11.7, GETs work and a submit is 500 error 6010."""
    token = forge.token("mallory")
    _assert_accepted(forge, token, user="mallory")
    assert "mallory" not in forge.cluster.operators
    forge.cluster.strict_users = True
    token = forge.token("trudy")
    assert forge.client.get(f"/slurm/{V}/jobs/", headers=_styles(token)[0]).status_code == 200
    r = forge.client.post(f"/slurm/{V}/job/submit", headers=_styles(token)[1], json={"job": {
        "script": "#!/bin/bash\ntrue", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}})
    assert r.status_code == 500 and [e["error_number"] for e in r.json()["errors"]] == [6010]


def test_user_name_header_impersonation(forge):
    """Only root's and the SlurmUser's tokens may act as another user (auth_jwt.c, `alternate user`)."""
    for user in ("alice", "bob", "mallory"):
        _assert_refused(forge, forge.token(user), user_name="root")
        _assert_refused(forge, forge.token(user), user_name="carol")
    for operator in ("root", "slurm"):
        _assert_accepted(forge, forge.token(operator), user="carol", user_name="carol")
        _assert_accepted(forge, forge.token(operator), user="root", user_name="root")
    _assert_accepted(forge, forge.token("alice"), user="alice", user_name="alice")     # redundant: fine
    r = forge.client.get(f"/slurm/{V}/jobs/", headers={"X-SLURM-USER-TOKEN": forge.token("root"),
                                                      "X-SLURM-USER-NAME": "carol"})
    assert r.json()["meta"]["client"]["user"] == "carol"


def test_both_header_styles_at_once_is_401_text_everywhere(forge):
    token = forge.token("alice")
    for path in (*PATHS, f"/slurm/{V}/ping/", "/slurmdb/v0.0.44/ping/", "/openapi/v3", f"/slurm/{V}/nope"):
        for bearer in (token, "garbage"):
            COUNTS["tried"] += 1
            r = forge.client.get(path, headers={"X-SLURM-USER-TOKEN": token, "Authorization": f"Bearer {bearer}"})
            assert (r.status_code, r.text) == (401, "Authentication failure\n"), path
            assert r.headers["content-type"] == "text/plain" and r.headers["connection"] == "Close"
            COUNTS["rejected"] += 1


def test_oversized_tokens_and_header_blocks_are_answered_cleanly(forge):
    for size in (17 * 1024, 60 * 1024):
        _assert_refused(forge, "e" * size, paths=PATHS[:2])
    valid_but_huge = _raw({"alg": "HS256"}, _claims(pad="x" * 20000), key=forge.key)
    _assert_refused(forge, valid_but_huge, paths=PATHS[:2])
    many = {f"X-Filler-{i}": "y" * 1000 for i in range(80)}
    r = forge.client.get(f"/slurm/{V}/jobs/", headers={**many, **_styles(forge.token())[0]})
    assert (r.status_code, r.text) == (431, "Request Header Fields Too Large")
    assert r.headers["connection"] == "Close"
    assert forge.client.get(f"/slurm/{V}/jobs/", headers=_styles(forge.token())[0]).status_code == 200


# ---- property: no mutation of a valid token is accepted -----------------------------------------------

def _segments(token):
    return token.split(".")


def _decoded(token):
    """What a verifier sees: the decoded bytes of each segment (base64url ignores unused trailing bits)."""
    out = []
    for seg in token.split("."):
        try:
            out.append(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))
        except (ValueError, TypeError):
            out.append(None)
    return tuple(out)


def _flip(token, data):
    raw = bytearray(token.encode())
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= 1 << data.draw(st.integers(0, 6))
    return raw.decode("latin-1")


def _swap(token, other, data):
    a, b = _segments(token), _segments(other)
    i = data.draw(st.integers(0, 2))
    a[i] = b[data.draw(st.integers(0, 2))]
    if data.draw(st.booleans()):
        j = data.draw(st.integers(0, 2))
        a[i], a[j] = a[j], a[i]
    return ".".join(a)


def _realg(token, data):
    head, payload, sig = _segments(token)
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    header["alg"] = data.draw(st.sampled_from(["none", "None", "HS384", "RS256", "hs256", "ES256", "", None]))
    if data.draw(st.booleans()):
        header["kid"] = data.draw(st.sampled_from(["k1", "k2", "", "../../etc/passwd"]))
    if data.draw(st.booleans()):
        sig = ""
    return ".".join((_b64(json.dumps(header).encode()), payload, sig))


def _edit(token, data):
    head, payload, sig = _segments(token)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    field = data.draw(st.sampled_from(["sun", "exp", "iat", "username", "extra"]))
    claims[field] = data.draw(st.one_of(st.sampled_from(["root", "slurm", "alice", ""]),
                                        st.integers(-2 ** 40, 2 ** 40), st.none()))
    return ".".join((head, _b64(json.dumps(claims).encode()), sig))


def _cut(token, data):
    i = data.draw(st.integers(0, len(token) - 1))
    return data.draw(st.sampled_from([token[:i], token[i:], token + token[i:], token[:i] + "." + token[i:]]))


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_mutated_token_is_accepted(forge, rsa_keys, data):
    valid = {"hs": forge.token("alice"), "hs-root": forge.token("root"),
             "rs": _rs256(rsa_keys["k1"], _claims()), "rs2": _rs256(rsa_keys["k2"], _claims("root"), kid="k2")}
    name = data.draw(st.sampled_from(sorted(valid)))
    token, other = valid[name], valid[data.draw(st.sampled_from(sorted(valid)))]
    how = data.draw(st.sampled_from(["flip", "flip2", "swap", "alg", "edit", "cut"]))
    if how == "flip":
        mutated = _flip(token, data)
    elif how == "flip2":
        mutated = _flip(_flip(token, data), data)
    elif how == "swap":
        mutated = _swap(token, other, data)
    elif how == "alg":
        mutated = _realg(token, data)
    elif how == "edit":
        mutated = _edit(token, data)
    else:
        mutated = _cut(token, data)
    # the same bytes to a verifier (a flip of an unused trailing bit) is the same token, not a forgery
    assume(all(_decoded(mutated) != _decoded(t) for t in valid.values()))
    assume(mutated.isascii() and "\n" not in mutated and "\r" not in mutated and mutated.strip() == mutated)
    path = data.draw(st.sampled_from(PATHS))
    headers = data.draw(st.sampled_from(_styles(mutated)))
    COUNTS["tried"] += 1
    r = forge.client.get(path, headers=headers)
    assert r.status_code in (511, 502, 401), (how, mutated, r.status_code, r.text[:200])
    assert r.status_code != 401 or "Bearer" in str(headers) and mutated.strip() == ""
    COUNTS["rejected"] += 1


def test_print_forgery_counts(capsys):
    """Runs last in this module: the numbers for the coordinator's note."""
    with capsys.disabled():
        print(f"\nforged/mutated tokens tried: {COUNTS['tried']}, rejected: {COUNTS['rejected']}")
    assert COUNTS["tried"] == COUNTS["rejected"] and COUNTS["tried"] > 500


# ---- secrets never reach logs, answers or the journal -------------------------------------------------

def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_secret_in_logs_errors_or_journal(tmp_path, rsa_keys):
    import httpx
    key = os.urandom(32)
    key_file = tmp_path / "jwt_hs256.key"
    key_file.write_bytes(key)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mockrestd", "-v", "serve", f"127.0.0.1:{port}",
                                 "--jwt-key", str(key_file)], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(url + "/mockrestd/v1/status", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        now = int(time.time())
        good = jwt.encode({"sun": "alice", "iat": now, "exp": now + 600}, key, "HS256")
        minted = httpx.post(url + "/mockrestd/v1/token", json={"username": "bob"}).json()["token"]
        forged = [jwt.encode({"sun": "root", "exp": now + 600}, os.urandom(32), "HS256"),
                  jwt.encode({"sun": "alice", "exp": now - 600}, key, "HS256"),
                  _raw({"alg": "none"}, _claims("root"), signature=b""), "garbage-token-value-1234567890"]
        answers = []
        for token in (good, minted, *forged):
            for path in (f"/slurm/{V}/jobs/", f"/slurmdb/{V}/accounts/", f"/slurm/{V}/nope"):
                for headers in (*_styles(token), {"X-SLURM-USER-TOKEN": token, "Authorization": f"Bearer {token}"},
                                {"X-SLURM-USER-TOKEN": token, "X-SLURM-USER-NAME": "root"}):
                    answers.append(httpx.get(url + path, headers=headers, timeout=10).text)
        journal = httpx.get(url + "/mockrestd/v1/journal").text
        status = httpx.get(url + "/mockrestd/v1/status").text
    finally:
        proc.terminate()
        proc.wait(10)
    logged = log.read_text(errors="replace")
    assert "token refused" in logged, "-v logs why a token was refused (without the token)"
    secrets = [key.hex(), base64.b64encode(key).decode(), _b64(key), good, minted, *forged]
    secrets += [t.split(".")[2] for t in (good, minted) + tuple(forged[:2])]       # the signatures alone
    for secret in secrets:
        for where, text in (("log", logged), ("journal", journal), ("status", status), ("answers", "".join(answers))):
            assert secret not in text, (where, secret[:16])
    assert key.decode("latin-1") not in logged
