"""Nodes, partitions and reservations on the controller."""

from __future__ import annotations

from . import handles, not_modified, parse, query_flags, unchanged_since, unknown_record
from ..respond import Answer, error_entry
from ...errors import SlurmError, warning


@handles("slurm", "get_nodes")
def get_nodes(ctx):
    if unchanged_since(ctx, "_dump_nodes"):
        return not_modified()
    query_flags(ctx)
    return Answer(payload=_stamped(ctx, "nodes", ctx.cluster.node_records()))


@handles("slurm", "get_node")
def get_node(ctx):
    if unchanged_since(ctx, "_dump_nodes") and ctx.profile.unchanged_node_is_error:
        raise SlurmError(-1, "Unable to query partitions", "_dump_nodes", bare=True)
    query_flags(ctx)
    name = ctx.path_params["node_name"]
    record = ctx.cluster.node_record(name)
    if record is None:   # real slurmrestd: 200, no `nodes` at all, and an error entry numbered 0
        unknown_record(ctx, "node", name)
        return Answer(bare=True, errors=[error_entry(0, f"Failure to query node {name}", "_dump_nodes")])
    return Answer(payload=_stamped(ctx, "nodes", [record]))


@handles("slurm", "post_node")
def update_node(ctx):
    result = parse(ctx)
    warnings = ctx.cluster.update_nodes([ctx.path_params["node_name"]], result.value or {}, as_user=ctx.user)
    return Answer(warnings=result.warnings + list(warnings or []))


@handles("slurm", "post_nodes")
def update_nodes(ctx):
    result = parse(ctx)
    desc = dict(result.value or {})
    names = desc.pop("name", None) or desc.pop("node_names", None) or []
    if isinstance(names, str):
        names = [names]
    warnings = ctx.cluster.update_nodes(list(names), desc, as_user=ctx.user)
    return Answer(warnings=result.warnings + list(warnings or []))


@handles("slurm", "post_new_node")
def new_node(ctx):
    result = parse(ctx)
    ctx.cluster.create_node((result.value or {}).get("node_conf", ""), as_user=ctx.user)
    return Answer(warnings=result.warnings)


@handles("slurm", "delete_node")
def delete_node(ctx):
    ctx.cluster.delete_node(ctx.path_params["node_name"], as_user=ctx.user)
    return Answer()


@handles("slurm", "get_partitions")
def get_partitions(ctx):
    if unchanged_since(ctx, "_partitions_get"):
        return not_modified()
    query_flags(ctx)
    return Answer(payload=_stamped(ctx, "partitions", ctx.cluster.partition_records()))


@handles("slurm", "get_partition")
def get_partition(ctx):
    if unchanged_since(ctx, "_partition_get"):
        return not_modified()
    query_flags(ctx)
    name = ctx.path_params["partition_name"]
    record = ctx.cluster.partition_record(name)
    if record is not None:
        return Answer(payload=_stamped(ctx, "partitions", [record]))
    unknown_record(ctx, "partition", name)
    if ctx.profile.unknown_partition_is_warning:     # 26.05.5: 200, a warning, no `partitions` at all
        return Answer(bare=True, warnings=[warning(f"Unable to find partition {name}", "_partition_get")])
    raise SlurmError(9000, f"Unable to find partition {name}", "_dump_part", bare=True)    # 24.11.5: no payload


@handles("slurm", "post_partitions")
def post_partitions(ctx):
    result = parse(ctx, default={}, strict=False)
    if result.errors:
        rejected = error_entry(9000, "Rejecting request. Failure parsing query", "_partitions_mod")
        return Answer(status=ctx.profile.status_for(9200), errors=result.errors + [rejected],
                      warnings=result.warnings)
    ctx.cluster.update_partitions((result.value or {}).get("partitions") or [], as_user=ctx.user)
    return Answer(warnings=result.warnings)


@handles("slurm", "delete_partition")
def delete_partition(ctx):
    ctx.cluster.delete_partition(ctx.path_params["partition_name"], as_user=ctx.user)
    return Answer()


@handles("slurm", "get_reservations")
def get_reservations(ctx):
    if unchanged_since(ctx, "_get_reservations"):
        return not_modified()
    return Answer(payload=_stamped(ctx, "reservations", ctx.cluster.reservation_records()))


@handles("slurm", "get_reservation")
def get_reservation(ctx):
    if unchanged_since(ctx, "_get_single_reservation"):
        return not_modified()
    name = ctx.path_params["reservation_name"]
    record = ctx.cluster.reservation_record(name)
    if record is None:
        unknown_record(ctx, "reservation", name)
        raise SlurmError(9000, f"Unable to find reservation {name}", "_dump_resv")
    return Answer(payload=_stamped(ctx, "reservations", [record]))


_RESV_REJECTED = ("Rejecting request. Failure parsing parameters", "_parse_resv_desc")


@handles("slurm", "post_reservation")
def post_reservation(ctx):
    result = parse(ctx, rejected=_RESV_REJECTED, rc=9000)
    echo = ctx.cluster.create_reservation(result.value or {}, as_user=ctx.user)
    return Answer(payload={"reservations": [echo]}, warnings=result.warnings)


@handles("slurm", "post_reservations")
def post_reservations(ctx):
    result = parse(ctx, rejected=_RESV_REJECTED, rc=9000)
    echoes = [ctx.cluster.create_reservation(desc, as_user=ctx.user)
              for desc in (result.value or {}).get("reservations") or []]
    return Answer(payload={"reservations": echoes}, warnings=result.warnings)


@handles("slurm", "delete_reservation")
def delete_reservation(ctx):
    ctx.cluster.delete_reservation(ctx.path_params["reservation_name"], as_user=ctx.user)
    return Answer()


def _stamped(ctx, key, records):
    now = int(ctx.cluster.clock.now())
    return {key: records, "last_update": now}
