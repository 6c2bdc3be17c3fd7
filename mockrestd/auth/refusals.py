"""What each operation answers when slurmctld or slurmdbd refuses the token: one row per operation.

slurmrestd (auth/jwt) does not check a token itself: it hands it to slurmctld with the RPC the operation
makes, slurmctld refuses it (SLURM_PROTOCOL_AUTHENTICATION_ERROR, 1007), and the handler reports that
failure its own way: its own description and source, the number it passes on (some handlers keep the API
call's -1 instead of errno), and the payload keys it still dumps. Every `/slurmdb/` operation is refused
earlier, by the wrapper that opens the slurmdbd connection (`openapi_get_db_conn`, error 7000), before the
handler runs: only `meta`, `errors` and `warnings`. The handlers are the same for every data-parser version
of a release, so the rows are keyed by the version-agnostic operation name (`get_jobs`, `slurmdb:*`).

The HTTP status is not here: it follows the number (`profiles.Profile.status_for`: 1007 -> 511, 7000 -> 502,
-1 -> 500 on 25.11), so a release with other statuses changes only its profile. `evidence` says where a row
comes from: measured on a real 25.11.7, or read from the 25.11.7 handler (`slurm-25-11-7-1`,
src/slurmrestd/plugins/openapi/slurmctld/<file>.c) and how that call fails on an RPC answered with 1007."""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOL_AUTH = 1007
DB_CONNECTION = 7000


@dataclass(frozen=True)
class Refusal:
    rc: int                          # the number the handler leaves in ctxt->rc: decides the status
    description: str | None          # None: no error entry at all (`errors: []`, GET partitions/)
    source: str = ""
    keys: tuple = ()                 # payload keys the handler still dumps (their empty values)
    evidence: str = "source"         # "measured 25.11.7" | "source <file>.c: <why>"
    status: int | None = None        # a release whose status does not follow the number (None: it does)

    def describe(self, params: dict) -> str | None:
        """The description with the request's path parameters filled in (`Unable to query JobId=1`)."""
        if self.description is None:
            return None
        try:
            return self.description.format(**params)
        except (KeyError, IndexError, ValueError):
            return self.description


# the empty values slurmrestd dumps for a zeroed response struct (`last_update` is a set 0, not unset)
EMPTY = {"last_backfill": 0, "last_update": 0}

_M = "measured 25.11.7"

TABLE: dict[str, Refusal] = {
    # --- measured on real 25.11.7 (issue #7 §1; jobs also in fixtures-real 24.11/25.05/25.11) -------------
    "get_jobs": Refusal(1007, "Unable to query jobs", "slurm_load_jobs()",
                        ("jobs", "last_backfill", "last_update"), _M),
    "get_job": Refusal(1007, "Unable to query JobId={job_id}", "_handle_job_get",
                       ("jobs", "last_backfill", "last_update"), _M),
    "get_nodes": Refusal(1007, "Failure to query nodes", "_dump_nodes", (), _M),
    "get_partitions": Refusal(1007, None, "", (), _M + " (rc kept, no error entry)"),
    "get_diag": Refusal(1007, "slurm_get_statistics() failed to get slurmctld statistics", "op_handler_diag",
                        (), _M),
    "get_licenses": Refusal(1007, "slurm_load_licenses() was unable to load licenses", "op_handler_licenses",
                            ("last_update", "licenses"), _M),
    "get_shares": Refusal(-1, "slurm_associations_get_shares() failed: GET", "_dump_shares", (),
                          _M + " (the call's -1 is kept, not errno)"),
    "post_job_submit": Refusal(1007, "Batch job submission failed", "slurm_submit_batch_job()", (), _M),
    # get_ping never fails: it reports the controller DOWN (http/app.py renders the pings), 200
    # --- derived from the 25.11.7 handlers ----------------------------------------------------------------
    "get_node": Refusal(1007, "Failure to query node {node_name}", "_dump_nodes", (),
                        "source nodes.c: slurm_load_node_single() fails, errno, goto done"),
    "post_node": Refusal(1007, "Failure to update node {node_name}", "_update_node", (),
                         "source nodes.c: slurm_update_node() fails, errno, nothing dumped"),
    "post_nodes": Refusal(1007, "Failure to update node {node_names}", "_update_nodes", (),
                          "source nodes.c: slurm_update_node() fails, errno, nothing dumped"),
    "delete_node": Refusal(1007, "Failure to delete node {node_name}", "op_handler_node", (),
                           "source nodes.c: slurm_delete_node() fails, errno"),
    "post_new_node": Refusal(1007, "Failure to create node", "_create_node", (),
                             "source nodes.c: slurm_create_node() fails, errno"),
    "get_partition": Refusal(1007, "Unable to query partitions", "op_handler_partition", (),
                             "source partitions.c: slurm_load_partitions() -1 -> errno, goto done"),
    "get_reservations": Refusal(1007, "Unable to query reservations", "slurm_load_reservations()", (),
                                "source reservations.c: _get_reservations -1 -> errno, goto done"),
    "get_reservation": Refusal(1007, "Unable to query reservations", "slurm_load_reservations()", (),
                               "source reservations.c: _get_single_reservation -1 -> errno, goto done"),
    "post_reservation": Refusal(1007, "Unable to query reservations", "slurm_load_reservations()", (),
                                "source reservations.c: _mod_reservation loads the reservations first"),
    "post_reservations": Refusal(1007, "Unable to query reservations", "slurm_load_reservations()", (),
                                 "source reservations.c: _mod_reservations loads the reservations first"),
    "delete_reservation": Refusal(1007, "Error deleting reservation {reservation_name}",
                                  "slurm_delete_reservation", (),
                                  "source reservations.c: _delete_resv -1 -> errno"),
    "get_reconfigure": Refusal(1007, "slurm_reconfigure() failed", "op_handler_reconfigure", (),
                               "source control.c: -1 -> errno"),
    "get_jobs_state": Refusal(1007, "Unable to query job states", "slurm_load_job_state()", ("jobs",),
                              "source jobs.c: the RPC's rc is returned, DATA_DUMP runs anyway"),
    "post_job": Refusal(1007, "Job update requested failed", "slurm_update_job2()",
                        ("job_id", "job_submit_user_msg", "results", "step_id"),
                        "source jobs.c: errno, cleanup: DATA_DUMP of the zeroed response"),
    "delete_job": Refusal(1007, "Signal request failed", "slurm_kill_jobs()", ("status",),
                          "source jobs.c: the RPC's rc, DUMP_OPENAPI_RESP_SINGLE with no response"),
    "delete_jobs": Refusal(1007, "Signal request failed", "slurm_kill_jobs()", ("status",),
                           "source jobs.c: the RPC's rc, DUMP_OPENAPI_RESP_SINGLE with no response"),
    "post_job_allocate": Refusal(1007, "Job allocation request failed", "slurm_allocate_resources_blocking()",
                                 (), "source jobs.c: errno, no DATA_DUMP"),
    "get_resources": Refusal(1007, "Unable to query JobId={job_id}", "_handle_get", ("nodes",),
                             "source resources.c: the RPC's rc, DUMP_OPENAPI_RESP_SINGLE anyway"),
    # --- every /slurmdb/ operation: the wrapper refuses before the handler (OP_BIND_REQUIRE_SLURMDBD) ------
    "slurmdb:*": Refusal(7000, "Failed to open slurmdbd connection, authentication error", "openapi_get_db_conn",
                         (), _M + " for accounts/; source openapi.c wrap_openapi_ctxt_callback for the rest"),

    # --- an operation no row names (a newer version's): what most slurmctld handlers answer -----------------
    "*": Refusal(1007, "Unable to query", "", (), "fallback: no handler read for this operation (source: its name)"),
}

# operations whose refusal is not an error answer at all
NOT_REFUSED = {"slurm:get_ping"}   # 200, pings[0].pinged DOWN: the controller does not answer the ping


def lookup(family: str, name: str, overrides: dict | None = None) -> Refusal | None:
    """The row for an operation: a release's override first (`family:name`, `name`, `family:*`), then the
    table the same way. None for an operation that is not refused (ping, unless a release overrides it)."""
    keys = (f"{family}:{name}", name if family == "slurm" else None, f"{family}:*", "*")
    for table in (overrides or {}, TABLE):
        if table is TABLE and f"{family}:{name}" in NOT_REFUSED:
            return None
        for key in keys:
            if key is not None and key in table:
                return table[key]
    return None
