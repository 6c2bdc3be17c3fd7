"""Accounting (`/slurmdb/`): one table says, per operation, which store call answers it and how.

slurmdbd's answers follow three patterns, so the operations are data, not code: reads list records and warn
`slurmdb_<thing>_get() found nothing` when empty; creates answer only errors/warnings (422 error 9200 when a
required field is missing); deletes answer what they removed, or 304 with no body when nothing changed."""

from __future__ import annotations

from . import HANDLERS, handles, parse, query_list, query_time
from ..respond import Answer, error_entry, from_error
from ...errors import SlurmError, warning


def _filters(ctx) -> dict:
    """Query parameters as filters: CSV values split, flags given without a value kept as True."""
    out = {}
    for key in ctx.query.keys():
        values = query_list(ctx, key)
        out[key] = values if values else True
    out.update({_PATH_NAMES.get(k, k): v for k, v in ctx.path_params.items()})
    return out


# path parameters that 22.05's documents name otherwise than v0.0.44 (the engine's names)
_PATH_NAMES = {"qos_name": "qos", "user_name": "name", "wckey": "id"}


def _nothing(thing: str, source: str) -> dict:
    return warning(f"slurmdb_{thing}_get() found nothing", source)


# name -> (payload key, store method, thing for the "found nothing" warning, source: the function of slurmrestd's
# slurmdbd plugin that asked, as real 26.05.5 names it: qos/nosuch -> _op_handler_qos, instances/ ->
# _dump_instance_cond, associations/?account=nosuch -> _dump_assoc_cond)
READS = {
    "get_accounts": ("accounts", lambda a, f: a.accounts_list(f), "accounts", "_dump_accounts"),
    "get_account": ("accounts", lambda a, f: _one(a.account(f["account_name"], f)), "accounts", "_dump_accounts"),
    "get_users": ("users", lambda a, f: a.users_list(f), "users", "_dump_users"),
    "get_user": ("users", lambda a, f: _one(a.user(f["name"], f)), "users", "_dump_users"),
    "get_associations": ("associations", lambda a, f: a.associations(f), "associations", "_dump_assoc_cond"),
    "get_association": ("associations", lambda a, f: a.association(f), "associations", "_dump_assoc_cond"),
    "get_qos": ("qos", lambda a, f: a.qos_list(f), "qos", "_op_handler_qos"),
    "get_single_qos": ("qos", lambda a, f: _one(a.qos(f["qos"])), "qos", "_op_handler_qos"),
    "get_clusters": ("clusters", lambda a, f: a.clusters_list(), "clusters", "_dump_clusters"),
    "get_cluster": ("clusters", lambda a, f: _one(a.cluster(f["cluster_name"])), "clusters", "_dump_clusters"),
    "get_wckeys": ("wckeys", lambda a, f: a.wckeys(f), "wckeys", "_dump_wckeys"),
    "get_wckey": ("wckeys", lambda a, f: a.wckey(f["id"]), "wckeys", "_dump_wckeys"),
    "get_instances": ("instances", lambda a, f: a.instances(f), "instances", "_dump_instance_cond"),
    "get_instance": ("instances", lambda a, f: a.instance(f), "instances", "_dump_instance_cond"),
    "get_tres": ("TRES", lambda a, f: a.tres(), "tres", "_dump_tres"),
    "get_jobs": ("jobs", lambda a, f: a.job_records(f), "jobs", "_dump_jobs"),      # times: _times
    "get_job": ("jobs", lambda a, f: a.job_record(f["job_id"]), "jobs", "_dump_jobs"),
}

# name -> (body key holding the list, store method)
CREATES = {
    "post_accounts": ("accounts", lambda a, items, u: a.add_accounts(items, as_user=u)),
    "post_users": ("users", lambda a, items, u: a.add_users(items, as_user=u)),
    "post_associations": ("associations", lambda a, items, u: a.add_associations(items, as_user=u)),
    "post_qos": ("qos", lambda a, items, u: a.add_qos(items, as_user=u)),
    "post_clusters": ("clusters", lambda a, items, u: a.add_clusters(items, as_user=u)),
    "post_wckeys": ("wckeys", lambda a, items, u: a.add_wckeys(items, as_user=u)),
    "post_tres": ("TRES", lambda a, items, u: a.add_tres(items, as_user=u)),
}

# name -> (payload key of what was removed, store method)
DELETES = {
    "delete_account": ("removed_accounts", lambda a, f, u: a.delete_account(f["account_name"], as_user=u)),
    "delete_user": ("removed_users", lambda a, f, u: a.delete_user(f["name"], as_user=u)),
    "delete_single_qos": ("removed_qos", lambda a, f, u: a.delete_qos(f["qos"], as_user=u)),
    "delete_associations": ("removed_associations", lambda a, f, u: a.delete_associations(f, as_user=u)),
    "delete_association": ("removed_associations", lambda a, f, u: a.delete_associations(f, as_user=u,
                                                                                          single=True)),
    "delete_cluster": ("deleted_clusters", lambda a, f, u: a.delete_cluster(f["cluster_name"], as_user=u)),
    "delete_wckey": ("deleted_wckeys", lambda a, f, u: a.delete_wckey(f["id"], as_user=u)),
}


def _one(record):
    return [record] if record else []


def _times(ctx, filters: dict) -> dict:
    """GET jobs: the window's ends as UNIX times (`now-1hour` and friends too), refused as slurmdbd does."""
    for name in ("start_time", "end_time"):
        if name in filters:
            filters[name] = query_time(ctx, "op_handler_jobs", name)
    return filters


def _read(name, key, call, thing, source):
    def handler(ctx):
        filters = _filters(ctx)
        records = call(ctx.cluster.accounting, _times(ctx, filters) if name == "get_jobs" else filters)
        found = ctx.profile.nothing_found.get(thing)
        if not records and found is not None:        # 22.05: an error, where newer releases warn
            return Answer(status=ctx.profile.status_for(9003), errors=[error_entry(9003, "Nothing found", found[0])],
                          payload={k: [] for k in found[1]}, keys=found[1])
        warnings = [] if records else [_nothing(thing, source)]
        return Answer(payload={key: records}, warnings=warnings)
    handler.__name__ = name
    return handler


def _create(name, key, call):
    def handler(ctx):
        result = parse(ctx)
        said = call(ctx.cluster.accounting, list((result.value or {}).get(key) or []), ctx.user)
        return Answer(warnings=result.warnings + list(said or []))
    handler.__name__ = name
    return handler


def _delete(name, key, call):
    def handler(ctx):
        removed = call(ctx.cluster.accounting, _filters(ctx), ctx.user)
        if not removed:
            rule = ctx.profile.nothing_removed.get(ctx.operation.name)
            if rule is None:
                return Answer(status=304, empty=True)
            code, description, source, status, keys = rule
            return Answer(status=status, errors=[error_entry(code, description, source)],
                          payload={k: [] for k in keys}, keys=keys)
        # the spec gives DELETE user/{name} no payload, yet slurmdbd answers `removed_users` (real 25.11.7)
        return Answer(payload={key: removed}, unshaped=name == "delete_user")
    handler.__name__ = name
    return handler


for _name, (_key, _call, _thing, _source) in READS.items():
    HANDLERS[("slurmdb", _name)] = _read(_name, _key, _call, _thing, _source)
for _name, (_key, _call) in CREATES.items():
    HANDLERS[("slurmdb", _name)] = _create(_name, _key, _call)
for _name, (_key, _call) in DELETES.items():
    HANDLERS[("slurmdb", _name)] = _delete(_name, _key, _call)


@handles("slurmdb", "post_accounts_association")
def accounts_association(ctx):
    result = parse(ctx)
    added = ctx.cluster.accounting.add_accounts_association(result.value or {}, as_user=ctx.user)
    if not added:
        return Answer(status=304, empty=True)
    return Answer(payload={"added_accounts": added}, warnings=result.warnings)


@handles("slurmdb", "post_users_association")
def users_association(ctx):
    result = parse(ctx)
    added = ctx.cluster.accounting.add_users_association(result.value or {}, as_user=ctx.user)
    if not added:
        return Answer(status=304, empty=True)
    return Answer(payload={"added_users": added}, warnings=result.warnings)


@handles("slurmdb", "get_config")
def get_config(ctx):
    return Answer(payload=ctx.cluster.accounting.config(as_user=ctx.user))


@handles("slurmdb", "post_config")
def post_config(ctx):
    result = parse(ctx)
    ctx.cluster.accounting.load_config(result.value or {}, as_user=ctx.user)
    return Answer(warnings=result.warnings)


@handles("slurmdb", "get_conf")
def get_conf(ctx):
    return Answer(payload={"slurmdbd_conf": ctx.cluster.slurmdbd_conf()})


@handles("slurmdb", "get_diag")
def get_diag(ctx):
    """A failed stats query still dumps its (empty) record: `statistics: {}` (real 25.11.7, ordinary user)."""
    try:
        return Answer(payload={"statistics": ctx.cluster.accounting.diag(as_user=ctx.user)})
    except SlurmError as err:
        answer = from_error(err, ctx.profile, {"statistics": {}})
        answer.unshaped = True
        return answer


@handles("slurmdb", "get_ping")
def get_ping(ctx):
    return Answer(payload={"pings": ctx.cluster.accounting.ping()})


@handles("slurmdb", "post_job")
def post_job(ctx):
    result = parse(ctx)
    changed = ctx.cluster.accounting.update_job(ctx.path_params["job_id"], result.value or {}, as_user=ctx.user)
    if not changed:
        return Answer(status=304, empty=True)
    return Answer(payload={"results": changed}, warnings=result.warnings)


@handles("slurmdb", "post_jobs")
def post_jobs(ctx):
    result = parse(ctx)
    value = result.value or {}
    if not value.get("job_rec"):
        # real slurmrestd 25.11.7 crashes here; the mock answers like any missing required field
        raise SlurmError(9200, "Required field job_rec is missing", "#/job_rec")
    changed = []
    for job_id in value.get("job_id_list") or []:
        changed += ctx.cluster.accounting.update_job(str(job_id), value["job_rec"], as_user=ctx.user) or []
    if not changed:
        return Answer(status=304, empty=True)
    return Answer(payload={"results": changed}, warnings=result.warnings)
