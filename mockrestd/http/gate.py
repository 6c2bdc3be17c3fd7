"""Everything slurmrestd decides before an operation runs: auth, URL matching, body decoding, faults.

Real slurmrestd rejects a request without a token (401) before it even looks at the path, answers unknown
paths and wrong methods with the same text/plain 404, refuses bodies it cannot parse in text/plain, and lets
a *bad* token through to slurmctld, which then answers in the operation's own JSON shape. This ASGI layer
does those steps in that order and hands connexion only requests that reach an operation."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import time
from pathlib import Path

import yaml
from starlette.datastructures import QueryParams

from . import limits, respond
from ..auth import authenticate

log = logging.getLogger("mockrestd.http")
_UI_PAGE = Path(__file__).resolve().parents[1] / "ui" / "index.html"

OPENAPI_PATHS = {"/openapi/v3", "/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3/"}
CONTROL_PREFIX = "/mockrestd/"
_SLASHES = re.compile(r"/{2,}")
# the methods slurmrestd's HTTP parser knows; any other is refused before auth (405 "Invalid HTTP method")
HTTP_METHODS = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}
# slurmrestd buffers any header block; the mock answers one past this cleanly instead of parsing it
MAX_HEADER_BYTES = 64 * 1024
HEADERS_TOO_LARGE = (431, "Request Header Fields Too Large")
_JSON_TYPES = ("application/json", "application/x-json", "text/json")
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


_NO_QUERY = QueryParams(b"")          # immutable: one for every request without a query
_PCT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(value):
    """A `\\ud800` escape with no partner decodes to a lone surrogate, which no UTF-8 answer (or state
    file) can carry; json-c puts U+FFFD in its place, and so does this."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_no_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_no_surrogates(k): _no_surrogates(v) for k, v in value.items()}
    return value


def query_acceptable(raw: bytes) -> bool:
    """What slurmrestd's query parser refuses outright (500 text/plain 'Unspecified error', measured on
    26.05.5): a literal ',' or '?', a bad %-escape, an encoded NUL, a pair with an empty key or two '='."""
    if not raw:
        return True
    if b"," in raw or b"?" in raw or _PCT.search(raw) or b"%00" in raw:
        return False
    for pair in raw.split(b"&"):
        if pair and (pair.count(b"=") > 1 or pair.startswith(b"=")):
            return False
    return True


class BodyError(Exception):
    """A body slurmrestd refuses before routing: `kind` "mime" (no serializer for its type) or "parse";
    the release profile says how it answers each (415/400 since 25.11, both 400 before)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def decode_body(raw: bytes, content_type: str):
    """JSON or YAML like slurmrestd's serializers; trailing commas are fine, unknown MIME types are not, and
    a tree deeper than the serializer takes is refused before Python's (recursive) parsers see it."""
    value = _decode_body(raw, content_type)
    if b"\\u" in raw or b"\\U" in raw:       # only an escape can make a lone surrogate
        value = _no_surrogates(value)
    return value


def _decode_body(raw: bytes, content_type: str):
    if not raw.strip():
        return None
    media = content_type.split(";")[0].strip().lower()
    if media and media not in _JSON_TYPES and media not in _YAML_TYPES and media != "application/octet-stream":
        raise BodyError("mime")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError("parse") from None
    if media not in _YAML_TYPES:
        try:
            value = json.loads(text)
        except RecursionError:      # far deeper than json-c's limit
            raise BodyError("parse") from None
        except ValueError:
            pass  # slurmrestd's JSON parser accepts trailing commas; YAML's flow style parses those
        else:
            if limits.value_too_deep(value):
                raise BodyError("parse")
            return value
        # json-c knows no anchors or aliases, and PyYAML recurses: checked before it runs
        if limits.json_too_deep(text) or limits.yaml_refusal(text) is not None:
            raise BodyError("parse")
    else:
        refusal = limits.yaml_refusal(text)
        if refusal is not None:
            raise BodyError(refusal)
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise BodyError("parse") from None
    if isinstance(value, str | int | float) and media not in _YAML_TYPES:
        raise BodyError("parse")
    if media not in _YAML_TYPES and limits.value_too_deep(value):
        raise BodyError("parse")
    return value


class Gate:
    """ASGI middleware in front of the connexion app.

    A request that reaches an operation is answered here, by the same function connexion's endpoint calls
    (`Site.answerer`): the gate has already routed it, checked its token, read its query and decoded its
    body, and connexion's request validators pass everything through (http/routed.py), so its middleware
    stack would only add cost (its router alone tries ~200 routes a request). connexion still serves the
    control API. `direct = False` (or `MOCKRESTD_DIRECT=0`) sends every request through connexion, to
    compare the two ways (tests/api/test_direct_path.py)."""

    def __init__(self, app, site):
        self.app = app
        self.site = site
        self.direct = os.environ.get("MOCKRESTD_DIRECT", "1").strip().lower() not in ("0", "off", "no", "false")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status_box = {}
        send = self._wrap_send(send, status_box, self.site if scope["method"] not in ("GET", "HEAD") else None)
        try:
            await self._handle(scope, receive, send)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            status = status_box.get("status", 0)
            self.site.journal_add(scope, status, elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info("%s %s %s -> %s (%.1f ms)", _client(scope), scope["method"], _target(scope), status,
                         elapsed)

    async def _handle(self, scope, receive, send):
        # clients that join "http://host:6820/" and "/slurm/..." send "//slurm/...": slurmrestd takes it
        path, method = scope["path"], scope["method"].upper()
        if "//" in path:
            path = _SLASHES.sub("/", path)
        site = self.site
        if path.startswith(CONTROL_PREFIX):
            return await self.app(scope, receive, send)
        if method not in HTTP_METHODS:
            return await _text(send, site.profile.unknown_method_status, site.profile.unknown_method_text)
        try:        # slurmrestd counts body bytes as they arrive, before auth or routing
            raw = await limits.read_body(receive, limits.declared_length(scope["headers"]))
        except limits.BodyTooLarge:
            return await _text(send, *site.profile.body_reject("too_large"))
        if path in ("/ui", "/ui/") and method == "GET":
            return await _raw(send, 200, _UI_PAGE.read_bytes(), "text/html; charset=utf-8")
        size, headers = 0, {}
        for k, v in scope["headers"]:
            size += len(k) + len(v) + 4
            headers[k.decode("latin-1").lower()] = v.decode("latin-1")
        if size > MAX_HEADER_BYTES:
            return await _text(send, *HEADERS_TOO_LARGE)
        # tokens live in wall time (`scontrol token` and slurmctld use time(NULL)), whatever the cluster clock
        outcome = authenticate(headers, site.keyring, operators=site.cluster.operators,
                               rules=site.profile.auth, now=time.time())
        if outcome.missing or outcome.refused:
            if outcome.refused:
                log.info("%s %s: token refused by slurmrestd: %s", _client(scope), _target(scope), outcome.reason)
            return await _text(send, 401, site.profile.missing_auth_text)
        if path in OPENAPI_PATHS and method == "GET":
            return await _raw(send, 200, site.openapi_bytes(), "application/json")
        if not query_acceptable(scope.get("query_string", b"")):
            return await _text(send, site.profile.bad_query_status, site.profile.bad_query_text)
        match = site.routes.match(path, method)
        if match is None:
            return await _text(send, 404, site.profile.not_found_text)
        if match.operation is None or method in ("HEAD", "OPTIONS"):
            return await _text(send, site.profile.wrong_method_status,
                               site.profile.wrong_method_text or site.profile.not_found_text)
        if any("+" in v for v in match.params.values()):
            return await _text(send, site.profile.bad_path_status, site.profile.bad_path_text)
        try:
            body = decode_body(raw, headers.get("content-type", "")) if raw else None
        except BodyError as e:
            return await _text(send, *site.profile.body_reject(e.kind))
        client = _client(scope)
        vs, op = match.version_spec, match.operation
        fault = site.faults.pick(op, site.cluster.clock.now())
        if fault is not None and fault.latency:
            await asyncio.sleep(fault.latency)
        identity = outcome.identity
        reject = None
        if not outcome.ok:
            log.info("%s %s: token refused by slurmctld: %s", client, _target(scope), outcome.reason)
            reject = site.rejection(vs, op, "bad_token", params=_refusal_params(match.params, body))
        elif fault is not None and fault.kind != "latency":
            reject = site.rejection(vs, op, fault.kind, fault)
        if reject is not None:
            status, data = respond.render(site, vs, op, reject, identity.user if identity else "nobody", client)
            return await _raw(send, status, data, "application/json")
        if self.direct:
            scope = dict(scope, path=match.path, raw_path=match.path.encode())
            scope["mockrestd"] = {"match": match, "identity": identity, "body": body, "client": client}
            raw_query = scope.get("query_string", b"")
            status, data, empty = await site.answerer(vs, op)(scope, QueryParams(raw_query) if raw_query else _NO_QUERY)
            if empty:          # what starlette sends for Response(status_code=304): no headers, no body
                await send({"type": "http.response.start", "status": status, "headers": []})
                return await send({"type": "http.response.body", "body": b""})
            return await _raw(send, status, data, "application/json")
        scope = dict(scope)
        scope["path"] = match.path
        scope["raw_path"] = match.path.encode()
        scope["mockrestd"] = {"match": match, "identity": identity, "body": body, "client": client}
        payload = json.dumps(body).encode() if body is not None else b""
        scope["headers"] = [(k, v) for k, v in scope["headers"]
                            if k.lower() not in (b"content-type", b"content-length")]
        if payload:
            scope["headers"] += [(b"content-type", b"application/json"),
                                 (b"content-length", str(len(payload)).encode())]
        return await self.app(scope, _replay(payload), send)

    @staticmethod
    def _wrap_send(send, box, committing=None):
        """`committing`: the site whose --state-dir must hold this request's changes before it is answered."""
        async def wrapped(message):
            if message["type"] == "http.response.start":
                if committing is not None and committing.store is not None:
                    await committing.store.commit(committing.cluster)
                box["status"] = status = message["status"]
                if not 200 <= status < 300:
                    headers = [h for h in message.get("headers", []) if h[0].lower() != b"connection"]
                    message = dict(message, headers=headers + [(b"connection", b"Close")])
            await send(message)
        return wrapped


def _refusal_params(params: dict, body) -> dict:
    """What a refusal's description may name: the path parameters, and `node_names` of a nodes update
    (printf's "(null)" when the body has none)."""
    names = body.get("node_names") if isinstance(body, dict) else None
    if isinstance(names, list):
        names = ",".join(str(n) for n in names)
    return {**params, "node_names": names if isinstance(names, str) and names else "(null)"}


def _replay(payload: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        return {"type": "http.disconnect"}
    return receive


async def _text(send, status: int, text: str):
    await _raw(send, status, text.encode(), "text/plain")


async def _raw(send, status: int, data: bytes | list, ctype: str):
    """One answer; `data` may be a list of chunks (http/respond.py `render`), sent one after the other."""
    if type(data) is list and len(data) == 1:
        data = data[0]
    length = sum(len(d) for d in data) if type(data) is list else len(data)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-length", str(length).encode()), (b"content-type", ctype.encode())]})
    if type(data) is not list:
        return await send({"type": "http.response.body", "body": data})
    for i, chunk in enumerate(data):
        await send({"type": "http.response.body", "body": chunk, "more_body": i < len(data) - 1})
    if not data:
        await send({"type": "http.response.body", "body": b""})


def _client(scope) -> str:
    host, port = (scope.get("client") or ("local", 0))[:2]
    return f"[{host}]:{port}"


def _target(scope) -> str:
    qs = scope.get("query_string", b"").decode("latin-1")
    return scope["path"] + ("?" + qs if qs else "")
