"""Controller odds and ends: ping, diag, licenses, shares, reconfigure."""

from __future__ import annotations

from . import handles, query_list
from ..respond import Answer


@handles("slurm", "get_ping")
def ping(ctx):
    return Answer(payload={"pings": ctx.cluster.ping_records()})


@handles("slurm", "get_diag")
def diag(ctx):
    return Answer(payload={"statistics": ctx.cluster.diag_record()})


@handles("slurm", "get_licenses")
def licenses(ctx):
    return Answer(payload={"licenses": ctx.cluster.license_records(),
                           "last_update": int(ctx.cluster.clock.now())})


@handles("slurm", "get_shares")
def shares(ctx):
    return Answer(payload={"shares": ctx.cluster.share_records(
        accounts=query_list(ctx, "accounts") or None, users=query_list(ctx, "users") or None)})


@handles("slurm", "get_reconfigure")
def reconfigure(ctx):
    ctx.cluster.reconfigure(as_user=ctx.user)
    return Answer()


@handles("slurm", "get_conf")
def conf(ctx):
    slurm_conf, meta = ctx.cluster.slurm_conf(release=ctx.profile.release)
    return Answer(payload={"slurm_conf": slurm_conf, "slurm_conf_meta": meta})
