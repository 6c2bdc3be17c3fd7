"""What slurmdbd knows: accounts, users, associations, QOS, TRES, clusters, wckeys, and every job ever run.

Records use v0.0.44 slurmdb field names with plain values. Permission rules (only administrators change
the database or read its config and diag) are enforced here, as slurmdbd does, not in the HTTP layer."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime

from ..errors import SlurmError, error_text, warning
from .hostlist import expand
from .limits import job_tres, tres_list, tres_map
from .values import INFINITE

ENFORCE_ALL = ("associations", "limits", "qos")
# cluster-file limit keys (sacctmgr's names in snake case) -> their place in the v0.0.44 records
QOS_LIMITS = {"max_jobs_per_user": "max.jobs.active_jobs.per.user",
              "max_jobs_per_account": "max.jobs.active_jobs.per.account",
              "max_submit_jobs_per_user": "max.jobs.per.user", "max_submit_jobs_per_account": "max.jobs.per.account",
              "grp_jobs": "max.active_jobs.count", "grp_submit_jobs": "max.jobs.count", "grp_tres": "max.tres.total",
              "max_tres_per_job": "max.tres.per.job", "max_tres_per_user": "max.tres.per.user",
              "max_tres_per_node": "max.tres.per.node", "max_wall": "max.wall_clock.per.job",
              "grp_wall": "max.wall_clock.per.qos"}
ASSOC_LIMITS = {"grp_jobs": "jobs.per.count", "grp_submit_jobs": "jobs.per.submitted", "grp_tres": "tres.total",
                "max_jobs": "jobs.active", "max_submit_jobs": "jobs.total", "max_tres_per_job": "tres.per.job",
                "max_tres_per_node": "tres.per.node", "max_wall": "jobs.per.wall_clock",
                "grp_wall": "per.account.wall_clock", "grp_tres_mins": "tres.group.minutes",
                "grp_tres_run_mins": "tres.group.active"}

# `association` of accounts_association/users_association (sacctmgr's words) -> cluster-file keys
REC_SET = {"qoslevel": "qos", "defaultqos": "default_qos", "grpjobs": "grp_jobs", "grpsubmitjobs": "grp_submit_jobs",
           "grptres": "grp_tres", "maxjobs": "max_jobs", "maxsubmitjobs": "max_submit_jobs",
           "maxtresperjob": "max_tres_per_job", "maxtrespernode": "max_tres_per_node",
           "maxwalldurationperjob": "max_wall", "grpwall": "grp_wall", "grptresmins": "grp_tres_mins",
           "grptresrunmins": "grp_tres_run_mins"}
# limits an association that leaves them unset takes from the nearest parent that sets them (as_mysql_assoc.c
# `get_parent_limits`: MaxJobs, MaxJobsAccrue, MaxSubmitJobs, MaxWall, MaxTRES[PerNode|MinsPerJob], MinPrioThresh,
# Priority); Grp* limits are not inherited, they hold at their own level
ASSOC_INHERITED = ("max.jobs.active", "max.jobs.accruing", "max.jobs.total", "max.jobs.per.wall_clock",
                   "max.tres.per.job", "max.tres.per.node", "max.tres.minutes.per.job", "min.priority_threshold",
                   "priority")
# limits slurmdbd keeps as INFINITE when unset, so that is how it lists them ({"set": false, "infinite": true})
QOS_UNSET = ("limits.max.active_jobs.accruing", "limits.max.active_jobs.count", "limits.max.jobs.count",
             "limits.max.jobs.active_jobs.per.account", "limits.max.jobs.active_jobs.per.user",
             "limits.max.jobs.per.account", "limits.max.jobs.per.user", "limits.max.wall_clock.per.qos",
             "limits.max.wall_clock.per.job", "limits.max.accruing.per.account", "limits.max.accruing.per.user",
             "limits.factor", "limits.min.priority_threshold", "preempt.exempt_time", "usage_threshold")
ASSOC_UNSET = ("max.jobs.per.count", "max.jobs.per.accruing", "max.jobs.per.submitted", "max.jobs.per.wall_clock",
               "max.jobs.active", "max.jobs.accruing", "max.jobs.total", "max.per.account.wall_clock",
               "min.priority_threshold", "priority")

_TRES = [(1, "cpu", ""), (2, "mem", ""), (3, "energy", ""), (4, "node", ""), (5, "billing", ""),
         (6, "fs", "disk"), (7, "vmem", ""), (8, "pages", ""), (1001, "gres", "gpu")]


def _flag(filters: dict, name: str) -> bool:
    """A presence flag of a slurmdb query (`?with_assocs`, `?WithAssociations=true`); "false" is not true."""
    value = filters.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return value is True or str(value).lower() in ("true", "1", "yes")


def _one_of(value) -> list[str]:
    if value in (None, True, ""):
        return []
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value]


JOB_STATES = {"PENDING", "RUNNING", "SUSPENDED", "COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL",
              "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "LAUNCH_FAILED", "REQUEUED", "REQUEUE_HOLD",
              "SPECIAL_EXIT", "RESIZING", "CONFIGURING", "COMPLETING", "STOPPED", "RECONFIG_FAIL",
              "POWER_UP_NODE", "REVOKED", "REQUEUE_FED", "RESV_DEL_HOLD", "SIGNALING", "STAGE_OUT", "EXPEDITING"}
# the query keys that are JOBCOND flags: any of them set turns the default (duplicates shown) off
JOB_COND_FLAGS = ("show_duplicates", "skip_steps", "disable_truncate_usage_time", "whole_hetjob",
                  "disable_whole_hetjob", "disable_wait_for_result", "usage_time_as_submit_time",
                  "show_batch_script", "show_job_environment")


def _stamp(value) -> int:
    if isinstance(value, list):
        value = value[0] if value else None
    if value in (None, True, ""):
        return 0
    return int(float(value))


def extern_step(rec: dict) -> dict:
    """The `extern` step slurmd makes on every node of a job when PrologFlags=Contain: it lives as long as
    the job and ends COMPLETED (CANCELLED when the job was cancelled), exit code 0, one task a node."""
    batch = rec["steps"][0]
    nodes = expand(rec["nodes"]) if rec["allocation_nodes"] else []
    running = batch["state"] == ["RUNNING"]
    cancelled = rec["state"]["current"][0] == "CANCELLED"
    zero = {"seconds": 0, "microseconds": 0}
    return {**batch, "exit_code": {"status": ["SUCCESS"], "return_code": 0, "signal": {"id": None, "name": ""}},
            "nodes": {"count": rec["allocation_nodes"], "range": rec["nodes"], "list": nodes},
            "tasks": {"count": rec["allocation_nodes"]},
            "time": {**batch["time"], "end": rec["time"]["end"], "elapsed": rec["time"]["elapsed"],
                     "user": dict(zero), "system": dict(zero), "total": dict(zero)},
            "state": ["RUNNING" if running else "CANCELLED" if cancelled else "COMPLETED"],
            "step": {**batch["step"], "id": batch["step"]["id"].rsplit(".", 1)[0] + ".extern", "name": "extern"},
            "tres": {**batch["tres"], "requested": {"max": [], "min": [], "average": [], "total": []}}}


def _lines(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _names(value) -> list[str]:
    """The names of a condition's list; an empty one names nothing (the parser already dropped nulls)."""
    return [v for v in value or [] if v]


def _put(rec: dict, path: str, value) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        rec = rec.setdefault(part, {})
    rec[parts[-1]] = value


def _merge(into: dict, new: dict) -> dict:
    """`new` laid over `into`, nested tables merged (a POST that modifies a record changes what it names)."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _listed(rec: dict, unset: tuple) -> dict:
    """A copy of a record as slurmdbd lists it: each limit of `unset` that is not set reads INFINITE."""
    out = copy.deepcopy(rec)
    for path in unset:
        parts = path.split(".")
        node = out
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if node.get(parts[-1]) is None:
            node[parts[-1]] = INFINITE
    return out


def _at(rec: dict, path: str):
    for part in path.split("."):
        rec = rec.get(part) if isinstance(rec, dict) else None
    return None if rec in ([], INFINITE) else rec


def _rec_set(value) -> dict:
    """The `association` of an add-with-condition request as association fields (parent, QOS, limits)."""
    value = value if isinstance(value, dict) else {}
    # an infinite limit is no limit: slurmdbd lists it unset (INFINITE), as one never given
    out = _assoc_conf({REC_SET[k]: v for k, v in value.items()
                       if k in REC_SET and v is not INFINITE and v not in (None, [], "")})
    if value.get("parent"):
        out["parent_account"] = value["parent"]
    if isinstance(value.get("fairshare"), int):
        out["shares_raw"] = value["fairshare"]
    return out


def _assoc_conf(c: dict) -> dict:
    """An account's or user's cluster-file keys as association fields (`qos`, `default_qos`, limits)."""
    out: dict = {}
    if c.get("qos"):
        out["qos"] = list(c["qos"])
    if c.get("default_qos"):
        out["default"] = {"qos": c["default_qos"]}
    limits: dict = {}
    for key, path in ASSOC_LIMITS.items():
        if c.get(key) is not None:
            _put(limits, path, tres_list(c[key]) if "tres" in key else int(c[key]))
    if limits:
        out["max"] = limits
    return out


class Accounting:
    def __init__(self, cluster_name: str, clock):
        self.cluster_name = cluster_name
        self.clock = clock
        self.operators: set = {"root", "slurm"}
        self.accounts: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.assocs: dict[int, dict] = {}
        self.qos_table: dict[str, dict] = {}
        self.clusters: dict[str, dict] = {cluster_name: {"name": cluster_name}}
        self.wckey_table: dict[str, dict] = {}
        self.jobs: dict[int, object] = {}
        self.history: dict[int, list] = {}      # job id -> records of its earlier runs (requeued), oldest first
        self._assoc_ids = itertools.count(1)
        self._qos_ids = itertools.count(1)
        self._wckey_ids = itertools.count(1)
        self.rpcs = 0
        self.started = clock.now()
        self.enabled = True                     # False: slurmrestd without slurmdbd (`--no-accounting`)
        self.enforce: set = set(ENFORCE_ALL)    # AccountingStorageEnforce
        self.removed_users: set = set()         # deleted on purpose: never made again on first use
        self.on_change = None                   # the controller's "look again" (limits may have changed)
        self.contain = False                    # PrologFlags=Contain: every job has an `extern` step

    @classmethod
    def from_config(cls, cfg: dict, cluster_name: str, clock) -> "Accounting":
        acc = cls(cluster_name, clock)
        c = cfg.get("cluster", {})
        acc.enabled = bool(c.get("accounting", True))
        enforce = c.get("enforce", list(ENFORCE_ALL))
        acc.enforce = set(enforce.split(",") if isinstance(enforce, str) else enforce) if acc.enabled else set()
        flags = (cfg.get("slurm_conf") or {}).get("PrologFlags") or ""
        flags = flags.split(",") if isinstance(flags, str) else flags
        acc.contain = any(f.strip().lower() == "contain" for f in flags)
        for q in cfg.get("qos", []):
            acc._add_qos(q)
        for a in cfg.get("accounts", []):
            acc._add_account(a)
            acc._add_assoc({"account": a["name"], "parent_account": a.get("parent", ""), **_assoc_conf(a)})
        for u in cfg.get("users", []):
            acc._add_user(u)
        return acc

    # ---- building blocks ----------------------------------------------------------------------------------
    def _add_account(self, a: dict) -> None:
        self.accounts[a["name"]] = {"name": a["name"], "description": a.get("description", a["name"]),
                                    "organization": a.get("organization", a["name"]),
                                    "parent": a.get("parent", a.get("parent_account", "")),
                                    "coordinators": [], "flags": []}

    def _add_user(self, u: dict, with_assocs: bool = True) -> None:
        name = u["name"]
        default = u.get("default_account") or (u.get("default") or {}).get("account") or \
            (u.get("accounts") or [""])[0]
        level = u.get("admin_level") or u.get("administrator_level") or "None"
        self.users[name] = {"name": name, "administrator_level": [level] if isinstance(level, str) else level,
                            "default": {"account": default, "wckey": "", "qos": None},
                            "coordinators": [], "flags": [], "old_name": "", "wckeys": []}
        for account in (u.get("accounts") or ([default] if default else [])) if with_assocs else []:
            if account in self.accounts:
                self._add_assoc({"account": account, "user": name, **_assoc_conf(u)})

    def _find_assoc(self, a: dict) -> dict | None:
        """The association with the same account, user and partition as `a` (its identity in slurmdbd)."""
        key = (a.get("account"), a.get("user") or "", a.get("partition") or "")
        return next((x for x in self.assocs.values() if (x["account"], x["user"], x["partition"]) == key), None)

    def _add_assoc(self, a: dict) -> dict:
        existing = self._find_assoc(a)
        if existing is not None:
            return existing
        aid = next(self._assoc_ids)
        parent = self._parent_assoc(a)
        rec = {"id": aid, "account": a.get("account", ""), "user": a.get("user", ""),
               "partition": a.get("partition", ""), "cluster": a.get("cluster") or self.cluster_name,
               "parent_account": a.get("parent_account") or ("" if a.get("user") else "root"),
               # a new association gets its parent's QOS list and default QOS (sacctmgr add)
               "qos": list(a.get("qos") or (parent or {}).get("qos") or ["normal"]),
               "default": {"qos": (a.get("default") or {}).get("qos") or (parent or {}).get("default", {}).get("qos")
                           or ""}, "flags": [], "comment": a.get("comment", ""),
               "is_default": False, "shares_raw": int(a.get("shares_raw") or 1), "priority": None, "lineage":
               f"/{a.get('account', '')}/" + (f"0-{a['user']}/" if a.get("user") else ""),
               "max": a.get("max") or {}, "min": {}}
        if rec["account"] == "root" and not rec["user"]:
            rec["parent_account"] = ""
        if rec["user"]:
            user = self.users.get(rec["user"])
            rec["is_default"] = bool(user) and user["default"]["account"] == rec["account"]
        self.assocs[aid] = rec
        return rec

    def _parent_assoc(self, a: dict) -> dict | None:
        """The association a new one hangs under: its account's (for a user), or the parent account's."""
        account = a.get("account") if a.get("user") else (a.get("parent_account") or
                                                          (self.accounts.get(a.get("account")) or {}).get("parent"))
        if not account or (account == a.get("account") and not a.get("user")):
            return None
        return self._account_assoc(account)

    def assoc_chain(self, assoc_id: int) -> list[dict]:
        """An association, then the account associations above it up to root (for Grp limits)."""
        out, seen = [], set()
        rec = self.assocs.get(assoc_id)
        while rec is not None and rec["id"] not in seen:
            out.append(rec)
            seen.add(rec["id"])
            rec = self._parent_assoc(rec) if (rec["user"] or rec["parent_account"]) else None
        return out

    def effective(self, assoc: dict) -> dict:
        """A copy of an association with the limits of ASSOC_INHERITED it leaves unset taken from its parents:
        what slurmdbd lists (unless `Exclude limits from parents`) and what slurmctld applies to its jobs."""
        out = copy.deepcopy(assoc)
        parents = self.assoc_chain(assoc["id"])[1:]
        for path in ASSOC_INHERITED:
            if _at(out, path) is None:
                value = next((v for v in (_at(p, path) for p in parents) if v is not None), None)
                if value is not None:
                    _put(out, path, copy.deepcopy(value))
        return out

    def assoc_under(self, assoc_id: int, top: dict) -> bool:
        """Whether association `assoc_id` is `top` or below it."""
        return any(a["id"] == top["id"] for a in self.assoc_chain(assoc_id))

    def _add_qos(self, q: dict) -> None:
        limits = _merge({}, q.get("limits") or {})
        for key, path in QOS_LIMITS.items():
            if q.get(key) is not None:
                _put(limits, path, tres_list(q[key]) if "tres" in key else int(q[key]))
        self.qos_table[q["name"]] = {
            "name": q["name"], "id": next(self._qos_ids), "description": q.get("description", q["name"]),
            "priority": q.get("priority", 0), "flags": list(q.get("flags", [])),
            "preempt": {"mode": ["DISABLED"], "list": []}, "usage_factor": 1.0, "usage_threshold": None,
            "limits": limits,
        }

    # ---- for the controller -------------------------------------------------------------------------------
    def add_job(self, job) -> None:
        self.jobs[job.job_id] = job

    def record_requeue(self, job, state=("PENDING", "REQUEUED")) -> None:
        """slurmdbd keeps the run that was requeued as a record of its own, in the state REQUEUED (NODE_FAIL
        when its node failed)."""
        rec = self._record(job)
        rec["state"] = {"current": list(state), "reason": "None"}
        for step in rec.get("steps", []):     # the steps of a run cut short were killed
            if step.get("state") == ["RUNNING"]:
                step["state"] = ["CANCELLED"]
        self.history.setdefault(job.job_id, []).append(rec)

    def _runs(self, job) -> list[dict]:
        return [*self.history.get(job.job_id, []), self._record(job)]

    def _record(self, job) -> dict:
        """The job's slurmdb record; with PrologFlags=Contain its `extern` step follows the batch step (step
        ids in slurmdbd's order: batch, extern, then the srun steps)."""
        rec = job.db_record()
        if self.contain and rec["steps"]:
            rec["steps"].insert(1, extern_step(rec))
        return rec

    def job_object(self, job_id: int):
        return self.jobs.get(job_id)

    def has_user(self, user: str) -> bool:
        return user in self.users

    def ensure_user(self, user: str, default_account: str) -> None:
        if user not in self.users:
            self._add_user({"name": user, "default_account": default_account, "accounts": [default_account]})

    def user_default_account(self, user: str) -> str | None:
        u = self.users.get(user)
        return u["default"]["account"] if u else None

    def association_id(self, user: str, account: str, partition: str | None = None) -> int | None:
        for a in self.assocs.values():
            if a["user"] == user and a["account"] == account:
                return a["id"]
        return None

    def is_admin(self, user: str) -> bool:
        u = self.users.get(user)
        return bool(u) and any(level in ("Administrator", "Operator") for level in u["administrator_level"])

    def _assoc_for(self, user: str, account: str, partition: str) -> dict | None:
        """The user's association for the account: the partition's own, else the one for every partition."""
        found = [a for a in self.assocs.values() if a["user"] == user and a["account"] == account
                 and a["partition"] in (partition, "")]
        found.sort(key=lambda a: a["partition"] != partition)
        return found[0] if found else None

    def resolve(self, user: str, account: str | None, qos: str | None, partition: str, *,
                failed: str, source: str) -> tuple[str, str, int, list]:
        """(account, QOS, association id, flags) of a job, checked as slurmctld does at submit: no account
        → the user's default; an account without an association → 2045; no QOS → the association's
        default (its only QOS, else root's default, else normal); a QOS it may not use → 2066 (root too)."""
        flags = [] if account else ["USING_DEFAULT_ACCOUNT"]
        if not qos:
            flags.append("USING_DEFAULT_QOS")
        if not self.enabled:                # no slurmdbd: no defaults to find and nothing to check
            return account or "", qos or "", 0, flags
        account = account or self.user_default_account(user) or ""
        assoc = self._assoc_for(user, account, partition)
        if assoc is None and "associations" in self.enforce:
            raise SlurmError(2045, failed, source)
        if not qos:
            root = next((a for a in self.assocs.values() if a["account"] == "root" and not a["user"]), None)
            valid = (assoc or {}).get("qos") or []
            qos = (assoc or {}).get("default", {}).get("qos") or (valid[0] if len(valid) == 1 else "") or \
                (root or {}).get("default", {}).get("qos") or "normal"
        if "qos" in self.enforce and (qos not in self.qos_table or
                                      (assoc is not None and qos not in assoc["qos"])):
            raise SlurmError(2066, failed, source)
        return account, qos, (assoc or {}).get("id", 0), flags

    def _is_admin(self, as_user: str) -> bool:
        """The cluster's operators (root, the SlurmUser: `operators` set by Cluster) or an AdminLevel user."""
        return as_user in self.operators or self.is_admin(as_user)

    def _changed(self) -> None:
        """slurmdbd tells slurmctld of every change; a pending job may now be allowed to start."""
        if callable(self.on_change):
            self.on_change()

    def _admin(self, as_user: str, source: str, description: str = "Access/permission denied",
               bare: bool = False) -> None:
        """Only administrators change the database. `bare`: slurmrestd dumps nothing after the failed call
        (`db_query_list` failing before `DUMP_OPENAPI_RESP_SINGLE`: removing accounts, users, associations)."""
        if not self._is_admin(as_user):
            raise SlurmError(2002, description, source, bare=bare)

    # ---- reads --------------------------------------------------------------------------------------------
    def _account_record(self, a: dict, with_assocs: bool = False) -> dict:
        """slurmdbd lists an account's associations (its own and its users') only when asked to."""
        assocs = [self._assoc_short(x) for x in self.assocs.values() if x["account"] == a["name"]]
        return dict(a, associations=assocs if with_assocs else [])

    def _assoc_short(self, a: dict) -> dict:
        return {"account": a["account"], "cluster": a["cluster"], "partition": a["partition"], "user": a["user"],
                "id": a["id"]}

    def accounts_list(self, filters=None) -> list[dict]:
        f = filters or {}
        names = set(_one_of(f.get("description")))
        return [self._account_record(a, _flag(f, "WithAssociations")) for a in self.accounts.values()
                if not names or a["description"] in names]

    def account(self, name: str, filters=None):
        a = self.accounts.get(name)
        return self._account_record(a, _flag(filters or {}, "with_assocs")) if a else None

    def _user_record(self, u: dict, with_assocs: bool = False) -> dict:
        assocs = [self._assoc_short(x) for x in self.assocs.values() if x["user"] == u["name"]]
        return dict(u, associations=assocs if with_assocs else [])

    def users_list(self, filters=None) -> list[dict]:
        f = filters or {}
        out = []
        for u in self.users.values():
            if f.get("default_account") and u["default"]["account"] not in _one_of(f["default_account"]):
                continue
            if f.get("admin_level") and u["administrator_level"][0] not in _one_of(f["admin_level"]):
                continue
            out.append(self._user_record(u, _flag(f, "with_assocs")))
        return out

    def user(self, name: str, filters=None):
        u = self.users.get(name)
        return self._user_record(u, _flag(filters or {}, "with_assocs")) if u else None

    def _match_assoc(self, a: dict, f: dict) -> bool:
        for key, field in (("account", "account"), ("user", "user"), ("partition", "partition"),
                           ("cluster", "cluster"), ("parent_account", "parent_account")):
            wanted = _one_of(f.get(key))
            if wanted and a[field] not in wanted:
                return False
        ids = _one_of(f.get("id"))
        return not ids or str(a["id"]) in ids

    def associations(self, filters=None) -> list[dict]:
        f = filters or {}
        own = _flag(f, "Exclude limits from parents")
        return [_listed(a if own else self.effective(a), ASSOC_UNSET) for a in self.assocs.values()
                if self._match_assoc(a, f)]

    def association(self, filters=None) -> list[dict]:
        found = self.associations(filters)
        if len(found) > 1:
            raise SlurmError(9211, "Ambiguous request", "_foreach_match_assoc")
        return found

    def qos_list(self, filters=None) -> list[dict]:
        """Every QOS: `?name=` selects nothing on real slurmrestd (25.11.7 and 26.05.5 list them all)."""
        return [_listed(q, QOS_UNSET) for q in self.qos_table.values()]

    def qos(self, name: str):
        q = self.qos_table.get(name)
        return _listed(q, QOS_UNSET) if q else None

    def clusters_list(self) -> list[dict]:
        return [self._cluster_record(c) for c in self.clusters.values()]

    def cluster(self, name: str):
        c = self.clusters.get(name)
        return self._cluster_record(c) if c else None

    def _cluster_record(self, c: dict) -> dict:
        return {"name": c["name"], "controller": {"host": "127.0.0.1", "port": 6817}, "flags": [],
                "nodes": "", "select_plugin": "", "associations": {"root": {"account": "root", "cluster": c["name"],
                                                                            "partition": "", "user": "", "id": 1}},
                "rpc_version": 11000, "tres": self.tres()}

    def wckeys(self, filters=None) -> list[dict]:
        f = filters or {}
        out = []
        for w in self.wckey_table.values():
            if f.get("user") and w["user"] not in _one_of(f["user"]):
                continue
            if f.get("name") and w["name"] not in _one_of(f["name"]):
                continue
            out.append(dict(w))
        return out

    def wckey(self, name: str) -> list[dict]:
        """`/wckey/{id}` matches the wckey's *name* on real slurmdbd."""
        return [dict(w) for w in self.wckey_table.values() if w["name"] == name]

    def instances(self, filters=None) -> list[dict]:
        return []

    def instance(self, filters=None) -> list[dict]:
        return []

    def tres(self) -> list[dict]:
        return [{"type": t, "name": n, "id": i, "count": 0} for i, t, n in _TRES]

    def _job_matches(self, job, f: dict) -> bool:
        for key, value in (("users", job.user_name), ("account", job.account), ("partition", job.partition),
                           ("job_name", job.name), ("qos", job.qos), ("groups", job.group_name),
                           ("wckey", getattr(job, "wckey", "") or "")):
            wanted = _one_of(f.get(key))
            if wanted and value not in wanted:
                return False
        steps = [s.split(".")[0] for s in _one_of(f.get("step"))]
        return not steps or str(job.job_id) in steps or \
            (job.array_job_id is not None and str(job.array_job_id) in steps)

    @staticmethod
    def _in_window(rec: dict, states: list[str], start: int, end: int) -> bool:
        """as_mysql_jobacct_process.c: a state means "was in it during [start, end)"; no state means the
        eligible job overlapped the window."""
        t = rec["time"]
        if not states:
            return bool(t["eligible"]) and t["eligible"] < end and (t["end"] >= start or not t["end"])
        current = rec["state"]["current"][0]
        for state in states:
            if state == "PENDING" and t["eligible"] and t["eligible"] < end and (
                    (t["start"] and start < t["start"]) or (not t["start"] and t["end"] and start < t["end"])
                    or (not t["start"] and not t["end"] and current == "PENDING")):
                return True
            if state == "RUNNING" and t["start"] and t["start"] < end and (
                    start < t["end"] or (not t["end"] and current == "RUNNING")):
                return True
            if state not in ("PENDING", "RUNNING") and current == state and t["end"] and start <= t["end"] <= end:
                return True
        return False

    def _catch_up(self) -> None:
        """The controller's catch-up before the job list is taken: array tasks that split off during it
        (after a long clock jump) are in the list, not only in the next read."""
        sync = next((j._sync for j in self.jobs.values() if getattr(j, "_sync", None)), None)
        if sync is not None:
            sync()

    def job_records(self, filters=None) -> list[dict]:
        """GET jobs: every run of every job the filters select. With any query at all slurmdbd applies a
        time window (slurmdb_job_cond_def_start_end: since midnight, or "now" when states are asked for),
        and keeps only the last run of a requeued job unless the query has no flags or `show_duplicates`."""
        f = {k: v for k, v in (filters or {}).items() if v not in (None, [], "")}
        self._catch_up()
        jobs = [j for j in sorted(self.jobs.values(), key=lambda j: j.job_id) if self._job_matches(j, f)]
        if not f:
            return [rec for j in jobs for rec in self._runs(j)]
        states = [s.upper() for s in _one_of(f.get("state"))]
        bad = [s for s in states if s not in JOB_STATES]
        if bad:
            raise SlurmError.many([{"description": f'Unknown flag "{b}"', "error_number": 9207,
                                    "error": error_text(9207), "source": f"#/state[{i}][0]/"}
                                   for i, b in enumerate(bad)] +
                                  [{"description": "Rejecting request. Failure parsing query parameters",
                                    "error_number": 9000, "error": error_text(9000),
                                    "source": "op_handler_jobs"}], bare=True)
        now = int(self.clock.now())
        start, end = _stamp(f.get("start_time")), _stamp(f.get("end_time"))
        by_id = bool(_one_of(f.get("step")))
        if states:
            if not start and not by_id:
                start = now
            if start and not end:
                end = start
        elif not by_id and not start:
            start = int(datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0).timestamp())
        end = end or now
        if end == start or end == now:
            end += 1
        flags = [k for k in JOB_COND_FLAGS if _flag(f, k)]
        duplicates = not flags or "show_duplicates" in flags
        out = []
        for job in jobs:
            runs = self._runs(job) if duplicates else self._runs(job)[-1:]
            for rec in runs:
                if by_id and not states:
                    keep = rec["time"]["submission"] < end and (rec["time"]["end"] >= start or not rec["time"]["end"])
                else:
                    keep = self._in_window(rec, states, start, end)
                if keep:
                    if "skip_steps" in flags:
                        rec = dict(rec, steps=[])
                    out.append(rec)
        return out

    def job_record(self, job_id: str) -> list[dict]:
        base = str(job_id).split("_")[0].split("+")[0].split(".")[0]
        if not base.isdecimal():
            raise SlurmError(9000, f"Unable to parse job id: {job_id}", "_parse_job_id")
        job = self.jobs.get(int(base))
        return self._runs(job) if job else []

    # ---- writes -------------------------------------------------------------------------------------------
    def add_accounts(self, items: list, as_user: str) -> list[dict]:
        """The accounts alone, or new words for existing ones: no association is made here (real 25.11.7:
        an account's associations come from accounts_association/ or associations/). Returns warnings."""
        self._admin(as_user, "slurmdb_accounts_add")
        said = []
        for a in items:
            if not a.get("name"):
                raise SlurmError(9200, "Required field name is missing", "#/accounts/name")
            if a["name"] in self.accounts:
                rec = self.accounts[a["name"]]
                rec.update({k: a[k] for k in ("description", "organization") if a.get(k)})
            else:
                self._add_account(a)
            if a.get("associations") and not said:
                said.append(warning("Account associations ignored. They must be set via the associations end "
                                    "point.", "_foreach_update_acct"))
        self._changed()
        return said

    def add_users(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_users_add")
        for u in items:
            if not u.get("name"):
                raise SlurmError(9200, "Required field name is missing", "#/users/name")
            self._add_user(u)
        self._changed()

    def add_associations(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_associations_add")
        for a in items:
            if a.get("account") not in self.accounts or not (self._find_assoc(a) or self._has_parent(a)):
                continue          # real 25.11.7: 200 with no error, nothing added
            if a.get("user") and a["user"] not in self.users:
                self._add_user({"name": a["user"], "default_account": a["account"]}, with_assocs=False)
                self.removed_users.discard(a["user"])
            rec = self._add_assoc(a)
            self._modify_assoc(rec, a)
        self._changed()

    def _account_assoc(self, account: str | None) -> dict | None:
        return next((x for x in self.assocs.values() if x["account"] == account and not x["user"]), None)

    def _has_parent(self, a: dict) -> bool:
        """What a new association hangs under (real 25.11.7): a user's, its account's association; an
        account's, the `parent_account` it names (none named: nothing is made)."""
        if a.get("user"):
            return self._account_assoc(a["account"]) is not None
        return bool(a.get("parent_account")) and self._account_assoc(a["parent_account"]) is not None

    def _modify_assoc(self, rec: dict, a: dict) -> None:
        """What a POST names in an existing association: its limits, QOS list, default QOS, shares."""
        if isinstance(a.get("max"), dict):
            _merge(rec.setdefault("max", {}), a["max"])
        if a.get("qos"):
            rec["qos"] = list(a["qos"])
        if (a.get("default") or {}).get("qos"):
            rec["default"] = {"qos": a["default"]["qos"]}
        if a.get("shares_raw") is not None:
            rec["shares_raw"] = int(a["shares_raw"])

    def add_qos(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_qos_add")
        for q in items:
            if not q.get("name"):
                raise SlurmError(9200, "Required field name is missing", "#/qos/name")
            if q["name"] in self.qos_table:
                rec = self.qos_table[q["name"]]
                rec.update({k: v for k, v in q.items() if k in ("description", "priority", "flags")})
                if isinstance(q.get("limits"), dict):
                    _merge(rec.setdefault("limits", {}), q["limits"])
            else:
                self._add_qos(q)
        self._changed()

    def add_clusters(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_clusters_add")
        for c in items:
            if c.get("name"):
                self.clusters.setdefault(c["name"], {"name": c["name"]})

    def add_wckeys(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_wckeys_add")
        for w in items:
            key = f"{w.get('name')}:{w.get('user')}:{w.get('cluster') or self.cluster_name}"
            self.wckey_table.setdefault(key, {"name": w.get("name", ""), "user": w.get("user", ""),
                                              "cluster": w.get("cluster") or self.cluster_name,
                                              "id": next(self._wckey_ids), "accounting": [], "flags": []})

    def add_tres(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_tres_add")
        raise SlurmError(2002, "TRES are defined by slurmctld's configuration and cannot be added",
                         "slurmdb_tres_add")

    def add_accounts_association(self, value: dict, as_user: str) -> str:
        self._admin(as_user, "slurmdb_accounts_add_cond")
        cond = value.get("association_condition") or {}
        info = value.get("account") or {}
        fields = _rec_set(cond.get("association"))
        parent = fields.get("parent_account") or "root"
        if self._account_assoc(parent) is None:
            # an account made by POST accounts/ alone has no association to hang a child under
            raise SlurmError(2046, "slurmdb_accounts_add_cond() failed", "_add_accounts_association", payload={
                "added_accounts": f"No parent account '{parent}' on cluster '{self.cluster_name}'"})
        added = []
        for name in _names(cond.get("accounts")):
            if name not in self.accounts:
                self._add_account({"name": name, "description": info.get("description", name),
                                   "organization": info.get("organization", name), "parent": parent})
                self._add_assoc({"account": name, **fields, "parent_account": parent})
                added.append(name)
        if not added:
            return ""
        self._changed()
        # sacctmgr's words, as real 25.11.7 answers them (its placeholders when no text was given)
        return _lines([" Adding Account(s)", *(f"  {n}" for n in added), " Settings",
                       f"  Description     = {info.get('description') or 'Account Name'}",
                       f"  Organization    = {info.get('organization') or 'Parent/Account Name'}",
                       " Associations =", *(f"  C = {self.cluster_name:<10} A = {n:<20}" for n in added)])

    def add_users_association(self, value: dict, as_user: str) -> str:
        self._admin(as_user, "slurmdb_users_add_cond")
        cond = value.get("association_condition") or {}
        accounts = [a for a in _names(cond.get("accounts")) if self._account_assoc(a) is not None]
        if not accounts:
            return ""
        users = _names(cond.get("users"))
        made = [u for u in users if u not in self.users]
        for name in made:
            self._add_user({"name": name, "default_account": accounts[0]}, with_assocs=False)
        fields = _rec_set(cond.get("association"))
        added = []
        for account in accounts:            # sacctmgr lists them account by account (real 25.11.7)
            for name in users:
                before = len(self.assocs)
                self._add_assoc({"account": account, "user": name, **fields})
                if len(self.assocs) > before:
                    added.append(f"  C = {self.cluster_name:<10} A = {account:<20} U = {name:<9}")
        if not added:
            return ""
        self._changed()
        head = [" Adding User(s)", *(f"  {n}" for n in made), " Settings"] if made else []
        return _lines([*head, " Associations =", *added])

    def delete_account(self, name: str, as_user: str) -> list[str]:
        """Its associations go, and every association below them (a child account stays, with none: real
        25.11.7); refused while a job of the account, or below it, is not finished (7001)."""
        self._admin(as_user, "_delete_account", "slurmdb_accounts_remove failed", bare=True)
        if name not in self.accounts:
            return []
        tops = [a for a in self.assocs.values() if a["account"] == name]
        under = [aid for aid in self.assocs if any(self.assoc_under(aid, top) for top in tops)]
        self._refuse_active_jobs(under, "slurmdb_accounts_remove failed", "_delete_account")
        del self.accounts[name]
        for aid in under:
            del self.assocs[aid]
        return [name]

    def _refuse_active_jobs(self, assoc_ids: list[int], description: str, source: str) -> None:
        """slurmdbd removes no association a pending or running job still uses (7001)."""
        ids = set(assoc_ids)
        if any(not job.finished and job.association_id in ids for job in self.jobs.values()):
            raise SlurmError(7001, description, source, bare=True)

    def delete_user(self, name: str, as_user: str) -> list[str]:
        self._admin(as_user, "_delete_user", "slurmdb_users_remove failed", bare=True)
        if name not in self.users:
            return []
        self._refuse_active_jobs([k for k, a in self.assocs.items() if a["user"] == name],
                                 "slurmdb_users_remove failed", "_delete_user")
        del self.users[name]
        self.removed_users.add(name)
        for aid in [k for k, a in self.assocs.items() if a["user"] == name]:
            del self.assocs[aid]
        return [name]

    def delete_qos(self, name: str, as_user: str) -> list[str]:
        """slurmdbd also takes the QOS out of every association's list and default (as_mysql_qos.c), so a
        QOS made again under the same name starts with no association allowing it."""
        self._admin(as_user, "slurmdb_qos_remove")
        if self.qos_table.pop(name, None) is None:
            return []
        for a in self.assocs.values():
            if name in a["qos"]:
                a["qos"] = [q for q in a["qos"] if q != name]
            if a["default"].get("qos") == name:
                a["default"]["qos"] = ""
        return [name]

    def delete_associations(self, filters: dict, as_user: str, single: bool = False) -> list[str]:
        self._admin(as_user, "_delete_assoc", "slurmdb_associations_remove failed", bare=True)
        found = [a for a in self.assocs.values() if self._match_assoc(a, filters or {})]
        if single and len(found) > 1:
            raise SlurmError(9211, "Ambiguous request", "_foreach_match_assoc")
        out = []
        for a in found:
            del self.assocs[a["id"]]
            out.append(f"C = {a['cluster']:<10} A = {a['account']:<10}" + (f" U = {a['user']:<9}" if a["user"]
                                                                            else ""))
        return out

    def delete_cluster(self, name: str, as_user: str) -> list[str]:
        self._admin(as_user, "slurmdb_clusters_remove")
        if name == self.cluster_name or name not in self.clusters:
            return []
        del self.clusters[name]
        return [name]

    def delete_wckey(self, name: str, as_user: str) -> list[str]:
        self._admin(as_user, "slurmdb_wckeys_remove")
        keys = [k for k, w in self.wckey_table.items() if w["name"] == name]
        for k in keys:
            del self.wckey_table[k]
        return [name] if keys else []

    def update_job(self, job_id: str, changes: dict, as_user: str) -> list[str]:
        """POST job/{id}: the comments change; slurmdbd answers `<id> submitted at <submit time>` (local ISO)."""
        base = str(job_id).split("_")[0].split(".")[0]
        job = self.jobs.get(int(base)) if base.isdecimal() else None
        if job is None:
            return []
        if job.user_name != as_user:
            self._admin(as_user, "slurmdb_job_modify")
        comment = changes.get("comment")
        if isinstance(comment, dict):
            if comment.get("job") is not None:
                job.comment = comment["job"]
            if comment.get("administrator") is not None:
                job.admin_comment = comment["administrator"]
        elif isinstance(comment, str):
            job.comment = comment
        when = datetime.fromtimestamp(int(job.submit_time)).isoformat(timespec="seconds")
        return [f"{job.job_id} submitted at {when}"]

    def config(self, as_user: str) -> dict:
        # slurmrestd's _dump reads clusters, TRES, accounts, users and QOS, then fails on the wckeys an
        # ordinary user may not list, and dumps nothing (real 25.11.7)
        if not self._is_admin(as_user):
            raise SlurmError(2002, "slurmdb_wckeys_get failed", "_dump", bare=True)
        return {"clusters": self.clusters_list(), "tres": self.tres(), "accounts": self.accounts_list(),
                "users": self.users_list(), "qos": self.qos_list(), "wckeys": self.wckeys(),
                "associations": self.associations(), "instances": []}

    def load_config(self, value: dict, as_user: str) -> None:
        self._admin(as_user, "slurmdb_config_set")
        if value.get("accounts"):
            self.add_accounts(value["accounts"], as_user)
        if value.get("users"):
            self.add_users(value["users"], as_user)
        if value.get("qos"):
            self.add_qos(value["qos"], as_user)
        if value.get("associations"):
            self.add_associations(value["associations"], as_user)
        if value.get("wckeys"):
            self.add_wckeys(value["wckeys"], as_user)

    def diag(self, as_user: str) -> dict:
        if not self._is_admin(as_user):
            raise SlurmError(2002, "stats query failed", "slurmdb_get_stats")
        self.rpcs += 1
        now = int(self.clock.now())
        return {"time_start": int(self.started), "rollups": {"hourly": {"count": 1, "last_run": now, "duration":
                                                                        {"last": 0, "max": 0, "time": 0}},
                                                             "daily": {"count": 0, "last_run": now,
                                                                       "duration": {"last": 0, "max": 0, "time": 0}},
                                                             "monthly": {"count": 0, "last_run": now,
                                                                         "duration": {"last": 0, "max": 0,
                                                                                      "time": 0}}},
                "RPCs": [{"rpc": "DBD_GET_JOBS_COND", "count": self.rpcs, "time": {"average": 100,
                                                                                   "total": 100 * self.rpcs}}],
                "users": [{"user": "root", "count": self.rpcs, "time": {"average": 100, "total": 100 * self.rpcs}}]}

    def ping(self) -> list[dict]:
        return [{"hostname": "mockdbd", "responding": True, "latency": 900, "primary": True}]

    def usage(self, assoc: dict) -> tuple[dict[str, float], dict[str, int]]:
        """What slurmctld counts for an association and everything below it: TRES-seconds used by the jobs
        so far (usage_raw; memory is not counted, as real 26.05.5 shows it), and TRES-seconds the running
        jobs still have before their time limit (grp_used_tres_run_secs, what GrpTRESRunMins reads)."""
        now = self.clock.now()
        used = {name: 0.0 for name in self._tres_names()}
        left = {name: 0 for name in used}
        for job in self.jobs.values():
            if job.start_time is None or not self.assoc_under(job.association_id, assoc):
                continue
            tres = {k: v for k, v in job_tres(job).items() if k != "mem" and k in used}
            ran = max(0.0, (job.end_time if job.end_time is not None else now) - job.start_time)
            for key, count in tres.items():
                used[key] += count * ran
            if job.running and job.time_limit is not INFINITE and job.time_limit:
                remaining = max(0, int(job.start_time + job.time_limit * 60 - now))
                for key, count in tres.items():
                    left[key] += count * remaining
        return used, left

    def _tres_names(self) -> list[str]:
        return [t + (f"/{n}" if n else "") for _i, t, n in _TRES]

    def shares(self, accounts=None, users=None) -> dict:
        """sshare: one row per association, shares normalised among siblings, usage as `usage()` counts it."""
        rows = []
        for a in self.assocs.values():
            if accounts and a["account"] not in accounts:
                continue
            if users and a["user"] and a["user"] not in users:
                continue
            parent = self._parent_assoc(a) if (a["user"] or a["parent_account"]) else None
            siblings = [x for x in self.assocs.values() if parent is not None and x is not parent
                        and self._parent_assoc(x) is parent and (x["user"] or x["parent_account"])]
            used, left = self.usage(a)
            rows.append({"id": a["id"], "cluster": a["cluster"], "name": a["user"] or a["account"],
                         "parent": a["account"] if a["user"] else a["parent_account"], "partition": a["partition"],
                         "shares_normalized": a["shares_raw"] / max(1, sum(x["shares_raw"] for x in siblings)),
                         "shares": a["shares_raw"],
                         "tres": {"run_seconds": [{"name": k, "value": v} for k, v in left.items()],
                                  "group_minutes": [{"name": k, "value": INFINITE} for k in left],
                                  "usage": [{"name": k, "value": v} for k, v in used.items()]},
                         "effective_usage": 0.0, "usage_normalized": 0.0, "usage": int(used["cpu"]),
                         "fairshare": {"factor": 1.0, "level": 1.0},
                         "type": ["USER"] if a["user"] else ["ASSOCIATION"]})
        return {"shares": rows, "total_shares": len(rows)}
