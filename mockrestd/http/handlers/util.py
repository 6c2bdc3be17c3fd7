"""`/util/`: host list expressions ⇄ host names, the same code path as the controller's hostlists."""

from __future__ import annotations

from . import handles, parse
from ..respond import Answer, error_entry
from ...engine.hostlist import compress, expand_strict
from ...errors import SlurmError


_REJECTED = ("Rejecting request. Failure parsing request", "_convert_hostnames_hostlist")


def _parsed(ctx):
    result = parse(ctx, default={}, rejected=_REJECTED)
    return result.value or {}, result.warnings


@handles("util", "post_hostnames")
def hostnames(ctx):
    value, warnings = _parsed(ctx)
    try:
        names = expand_strict(value.get("hostlist") or "")
    except ValueError as e:
        raise SlurmError.many([error_entry(9216, str(e), "#/hostlist/"), error_entry(9000, *_REJECTED)]) from None
    return Answer(payload={"hostnames": names}, warnings=warnings)


@handles("util", "post_hostlist")
def hostlist(ctx):
    value, warnings = _parsed(ctx)
    return Answer(payload={"hostlist": compress(value.get("hostnames") or [])}, warnings=warnings)
