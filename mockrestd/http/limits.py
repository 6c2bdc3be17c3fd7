"""How much one request may make slurmrestd hold before an operation runs: body bytes and parse depth.

Real slurmrestd refuses a body past 50 MiB while the bytes arrive, and its parsers refuse a tree deeper
than json-c's or its own YAML limit. The mock refuses the same requests with the same text/plain answers
(the release profile owns statuses and texts, see `Profile.body_reject`), and never holds more than the
limit in memory or recurses on a client-chosen depth (a 5,000-deep body was a RecursionError, an empty 500).

Sources, Slurm 25.11.7 (tag slurm-25-11-7-1):
- src/common/http_con.c:48   MAX_BODY_BYTES 52428800, checked on every chunk at :367 (`nlength > MAX_BODY_BYTES`)
  → ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE (12016), src/common/http.c:150 → 413, body = slurm_strerror().
- src/plugins/serializer/json/serializer_json.c:325 json_tokener_new(): json-c's default depth 32
  (JSON_TOKENER_DEFAULT_DEPTH); json-c counts every value, a scalar inside a container too (measured with
  libjson-c5 0.16: 32 nested arrays parse, 31 arrays around a number parse, 32 around a number do not).
  A refusal is ESLURM_REST_FAIL_PARSING → 400 "Failure during parsing" (src/slurmrestd/operations.c:304).
- src/plugins/serializer/yaml/serializer_yaml.c:81 YAML_MAX_DEPTH 64, on a recursion that takes two steps per
  container (:263, :289, :325): more than 32 nested containers → ESLURM_DATA_PARSING_DEPTH, which
  http_status_from_error() does not list → 500. An alias → ESLURM_NOT_SUPPORTED (:317) → 500.
"""

from __future__ import annotations

import re

import yaml

MAX_BODY_BYTES = 52_428_800
JSON_MAX_DEPTH = 32
YAML_MAX_CONTAINERS = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[][{}]")


class BodyTooLarge(Exception):
    """More body bytes than MAX_BODY_BYTES, announced or sent."""


def declared_length(headers) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_body(receive, declared: int | None) -> bytes:
    """The whole body, refusing as soon as it is known to pass the limit (a Content-Length over it is
    refused before a byte is read; a body without one when its running count passes it)."""
    if declared is not None and declared > MAX_BODY_BYTES:
        raise BodyTooLarge()
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge()
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def json_too_deep(text: str) -> bool:
    """Whether json-c would refuse `text` for depth; cheap on bytes (no recursion, stops at the first
    bracket past the limit), so a depth bomb is refused before Python's parser sees it."""
    depth = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        if depth > JSON_MAX_DEPTH:
            return True
    return False


def value_too_deep(value) -> bool:
    """json-c's count on a parsed value: the top value is level 1, every value inside a container one more."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > JSON_MAX_DEPTH:
            return True
        if isinstance(item, dict):
            stack += [(v, level + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, level + 1) for v in item]
    return False


def yaml_refusal(text: str) -> str | None:
    """What slurmrestd's YAML reader refuses before building anything: "depth" for more than 32 nested
    containers, "alias" for an alias (which also keeps PyYAML from sharing one node many times over);
    read from the event stream, which does not recurse. None: fine, or a syntax error left to the parser."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                return "alias"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > YAML_MAX_CONTAINERS:
                    return "depth"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None
