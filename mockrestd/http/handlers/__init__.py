"""Operation handlers: one module per resource family, each handler a few lines (parse → engine → payload).

Handlers are registered by (family, name), where name is the operationId without its family/version prefix
("get_job", "post_job_submit"), so one function serves every API version."""

from __future__ import annotations

from ...errors import SlurmError
from ...render.parser import check_flags, parse_timestamp
from ..respond import Answer, Halt, error_entry

HANDLERS: dict[tuple[str, str], object] = {}

# operation names that older releases spelled differently (22.05's documents)
ALIASES = {
    ("slurm", "submit_job"): ("slurm", "post_job_submit"),
    ("slurm", "update_job"): ("slurm", "post_job"),
    ("slurm", "cancel_job"): ("slurm", "delete_job"),
    ("slurm", "update_node"): ("slurm", "post_node"),
    ("slurm", "create_reservation"): ("slurm", "post_reservation"),
    ("slurm", "get_partition"): ("slurm", "get_partition"),
    ("slurmdb", "get_qos_list"): ("slurmdb", "get_qos"),
    ("slurmdb", "update_users"): ("slurmdb", "post_users"),
    ("slurmdb", "update_account"): ("slurmdb", "post_accounts"),
    ("slurmdb", "update_associations"): ("slurmdb", "post_associations"),
    ("slurmdb", "update_clusters"): ("slurmdb", "post_clusters"),
    ("slurmdb", "add_clusters"): ("slurmdb", "post_clusters"),
    ("slurmdb", "update_qos"): ("slurmdb", "post_qos"),
    ("slurmdb", "update_tres"): ("slurmdb", "post_tres"),
    ("slurmdb", "add_wckeys"): ("slurmdb", "post_wckeys"),
    ("slurmdb", "update_wckeys"): ("slurmdb", "post_wckeys"),
    ("slurmdb", "set_config"): ("slurmdb", "post_config"),
    ("slurmdb", "delete_qos"): ("slurmdb", "delete_single_qos"),
    ("slurm", "ping"): ("slurm", "get_ping"),
    ("slurm", "diag"): ("slurm", "get_diag"),
    ("slurmdb", "diag"): ("slurmdb", "get_diag"),
    ("slurmdb", "get_db_config"): ("slurmdb", "get_config"),
    ("slurmdb", "set_db_config"): ("slurmdb", "post_config"),
}


def handles(family: str, *names: str):
    def register(fn):
        for name in names:
            HANDLERS[(family, name)] = fn
        return fn
    return register


def handler_for(op):
    _load()
    key = (op.family, op.name)
    key = key if key in HANDLERS else ALIASES.get(key, key)
    try:
        return HANDLERS[key]
    except KeyError:
        raise LookupError(f"no handler for {op.operation_id} ({op.family} {op.name})") from None


_loaded = False


def _load():
    global _loaded
    if not _loaded:
        from . import jobs, nodes, misc, slurmdb, util  # noqa: F401  (registration side effects)
        _loaded = True


# the data_parser type each operation reads its query string into (slurmrestd 25.11.7, openapi/slurmctld and
# openapi/slurmdbd: the DATA_PARSE(..., ctxt->query, ...) of each handler); keys it does not know are warned
# about by that type's name. Operations not listed read no query (or only a body) and say nothing.
QUERY_PARSERS = {
    ("slurm", "get_jobs"): "OPENAPI_JOB_INFO_QUERY",
    ("slurm", "get_job"): "OPENAPI_JOB_INFO_QUERY",
    ("slurm", "get_jobs_state"): "OPENAPI_JOB_STATE_QUERY",
    ("slurm", "delete_job"): "OPENAPI_JOB_INFO_DELETE_QUERY",
    ("slurm", "get_nodes"): "OPENAPI_NODES_QUERY",
    ("slurm", "get_node"): "OPENAPI_NODES_QUERY",
    ("slurm", "get_partitions"): "OPENAPI_PARTITIONS_QUERY",
    ("slurm", "get_partition"): "OPENAPI_PARTITIONS_QUERY",
    ("slurm", "get_reservations"): "OPENAPI_RESERVATION_QUERY",
    ("slurm", "get_reservation"): "OPENAPI_RESERVATION_QUERY",
    ("slurm", "get_shares"): "SHARES_REQ_MSG",
    ("slurmdb", "get_single_qos"): "OPENAPI_SLURMDBD_QOS_QUERY",
    ("slurmdb", "get_qos"): "QOS_CONDITION",
    ("slurmdb", "get_associations"): "ASSOC_CONDITION",
    ("slurmdb", "get_association"): "ASSOC_CONDITION",
    ("slurmdb", "delete_associations"): "ASSOC_CONDITION",
    ("slurmdb", "delete_association"): "ASSOC_CONDITION",
    ("slurmdb", "get_instances"): "INSTANCE_CONDITION",
    ("slurmdb", "get_instance"): "INSTANCE_CONDITION",
    ("slurmdb", "get_user"): "OPENAPI_USER_QUERY",
    ("slurmdb", "get_users"): "USER_CONDITION",
    ("slurmdb", "get_cluster"): "CLUSTER_CONDITION",
    ("slurmdb", "delete_cluster"): "CLUSTER_CONDITION",
    ("slurmdb", "get_wckeys"): "WCKEY_CONDITION",
    ("slurmdb", "get_account"): "OPENAPI_ACCOUNT_QUERY",
    ("slurmdb", "get_accounts"): "ACCOUNT_CONDITION",
    ("slurmdb", "get_jobs"): "JOB_CONDITION",
}


def unknown_query_warnings(op, query_string: bytes) -> list[dict]:
    """`?bogus=1` → `Ignoring unknown field "bogus" of type string in DATA_PARSER_OPENAPI_JOB_INFO_QUERY`
    from `#/bogus/`, once per key, in the order sent; the operation then runs as if it were not there."""
    parser = QUERY_PARSERS.get((op.family, op.name))
    if not parser or not query_string:
        return []
    from urllib.parse import unquote_plus
    known = {p.get("name") for p in op.op.get("parameters", []) if p.get("in") == "query"}
    seen, out = set(), []
    for part in query_string.decode("latin-1").split("&"):
        key, eq, value = part.partition("=")
        key = unquote_plus(key)
        # the value's type as slurmrestd's query parser made it: `?x` boolean, `?x=` null, `?x=1` string
        # (real 26.05.5: associations/?with_usage, ?nosuch=, ?with_usage=1)
        kind = "string" if value else ("null" if eq else "boolean")
        if key and key not in known and key not in seen:
            seen.add(key)
            out.append({"description": f'Ignoring unknown field "{key}" of type {kind} in DATA_PARSER_{parser}',
                        "source": f"#/{key}/"})
    return out


# ---- small helpers the handler modules share -------------------------------------------------------------

def query_flags(ctx, name: str = "flags") -> list[str]:
    """The known values of an enum query parameter; an unknown one adds slurmrestd's 9207 error to the
    answer (status 500 on 25.11 and 26.05) while the operation still answers with its data."""
    raw = ctx.query.getlist(name) if hasattr(ctx.query, "getlist") else [ctx.query.get(name)]
    values = [v for item in raw if item for v in item.split(",") if v]
    if not values:
        return []
    allowed = _enum_of(ctx.operation, name)
    if not allowed:
        return [v.upper() for v in values]
    known, errors = check_flags(values, allowed, f"#/{name}")
    ctx.errors.extend(errors)
    return known


MAX_JOB_ID = 0x03FFFFFF


def job_id_param(ctx, name: str = "job_id") -> str:
    """The `{job_id}` of the path as slurmrestd's op_handler_job takes it: "12", "12_3", "12.batch" (the step
    is dropped with a warning, see `step_warning`); 0 or not a number -> 422, beyond MAX_JOB_ID -> 404,
    both before the controller is asked (no payload in the answer)."""
    text = str(ctx.path_params[name])
    head = text.split("_")[0].split(".")[0]
    if not head.isdecimal() or int(head) == 0:
        code, description, source = ctx.profile.bad_job_id_error
        raise SlurmError(code, description.format(id=text), source, bare=True)
    if int(head) >= MAX_JOB_ID and ctx.profile.big_job_id_refused:
        raise SlurmError(2017, f"Invalid JobID={int(head)} rejected", "op_handler_job", bare=True)
    return text


def unknown_record(ctx, kind: str, name: str) -> None:
    """A record the path names that the controller does not have, where the release answers with an error
    (`profile.unknown_record`: 22.05 answers 500 and its number, with the list empty); elsewhere returns and
    the handler answers as newer releases do."""
    code = ctx.profile.unknown_record.get(kind)
    if code is not None:
        raise SlurmError(code, f"Unable to find {kind} {name}", "")


def _enum_of(op, name):
    for p in op.op.get("parameters", []):
        if p.get("name") == name:
            schema = p.get("schema", {})
            return set(schema.get("enum") or schema.get("items", {}).get("enum") or [])
    return set()


def query_time(ctx, source: str, name: str = "update_time", *, rc: int | None = None):
    """A time query parameter; one that does not parse refuses the request before the operation, with
    9202 and then `Rejecting request. Failure parsing query` from `source` (the handler's name). The status
    is 500 (the parser's 9202) except where the handler answers with its own code (`rc`, the job list: 422)."""
    value = ctx.query.get(name)
    if value is None:
        return None
    stamp = parse_timestamp(value) if value else None
    if stamp is None:
        bad = f"Parsing of {value} for timestamp failed" if value else "Invalid or unset timestamp value"
        dot = "." if source in _DOTTED_QUERY_REJECTS else ""
        raise SlurmError.many([error_entry(9202, bad, f"#/{name}/"),
                               error_entry(9000, f"Rejecting request. Failure parsing query{dot}", source)], rc=rc)
    return stamp


def unchanged_since(ctx, source: str) -> bool:
    """`?update_time=T` later than the cluster's clock: slurmctld has nothing newer (SLURM_NO_CHANGE_IN_DATA)
    and slurmrestd answers 304 with no body (nodes, partitions, reservations; 24.11.5 and 26.05.5). The mock
    keeps no change time per family, so a T up to now gets the data, as real Slurm gives it whenever
    anything changed since T."""
    stamp = query_time(ctx, source)
    return stamp is not None and stamp > ctx.cluster.clock.now()


def not_modified() -> Answer:
    return Answer(status=304, empty=True)


# the handlers whose "Rejecting request. Failure parsing query." ends with a full stop (26.05.5, 24.11.5)
_DOTTED_QUERY_REJECTS = {"op_handler_jobs", "_handle_job_get", "_dump_nodes"}


def query_list(ctx, name: str) -> list[str]:
    """Slurm's CSV query values; repeated keys add up."""
    raw = ctx.query.getlist(name) if hasattr(ctx.query, "getlist") else [ctx.query.get(name)]
    return [v for item in raw if item for v in item.split(",") if v]


def parse(ctx, *, path: str = "#", default=None, strict: bool = True, rejected: tuple | None = None,
          rc: int | None = None):
    """The request body through the schema-driven parser: (value, warnings, errors) with v0.0.44 names.
    `default`: what an empty body counts as (`{}` where slurmrestd then reports the missing fields).

    Strict (the usual case), a body that did not parse is refused and nothing is done:
    - with its errors (status from the first, or from `rc` where the handler answers with its own code),
      then, where the operation adds one, a 9000 entry `rejected` = (description, source);
    - a body whose only fault is a value of the wrong type (a warning) answers 200 with the warnings, or,
      where the operation adds a `rejected` entry, that entry alone (422).
    Handlers that answer parse failures their own way (job submit) pass strict=False."""
    ref = (ctx.operation.op.get("requestBody", {}).get("content", {}).get("application/json", {})
           .get("schema", {}))
    body = default if ctx.body is None else ctx.body
    result = ctx.site.parse_body(ctx.version, ref, body, path=path)
    if not ctx.profile.checks_required:
        kept = [e for e in result.errors
                if not (e["error_number"] == 9200 and e.get("description", "").startswith("Missing required field"))]
        if len(kept) < len(result.errors):
            result.errors[:] = kept
            result.failed = bool(kept or result.warnings)
    if not strict or result.ok:
        return result
    entries = list(result.errors)
    if rejected and not (entries and all(e["error_number"] == 9207 for e in entries)):
        entries.append(error_entry(9000, *rejected))
    if not entries:
        raise Halt(Answer(warnings=result.warnings))
    raise SlurmError.many(entries, warnings=result.warnings, rc=rc)
