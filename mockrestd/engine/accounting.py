"""What slurmdbd knows: accounts, users, associations, QOS, TRES, clusters, wckeys, and every job ever run.

Records use v0.0.44 slurmdb field names with plain values. Permission rules (only administrators change
the database or read its config and diag) are enforced here, as slurmdbd does, not in the HTTP layer."""

from __future__ import annotations

import itertools

from ..errors import SlurmError

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


class Accounting:
    def __init__(self, cluster_name: str, clock):
        self.cluster_name = cluster_name
        self.clock = clock
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

    @classmethod
    def from_config(cls, cfg: dict, cluster_name: str, clock) -> "Accounting":
        acc = cls(cluster_name, clock)
        for q in cfg.get("qos", []):
            acc._add_qos(q)
        for a in cfg.get("accounts", []):
            acc._add_account(a)
            acc._add_assoc({"account": a["name"], "parent_account": a.get("parent", "")})
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
                self._add_assoc({"account": account, "user": name})

    def _add_assoc(self, a: dict) -> dict:
        for existing in self.assocs.values():
            if (existing["account"], existing["user"], existing["partition"]) == \
                    (a.get("account"), a.get("user", ""), a.get("partition", "")):
                return existing
        aid = next(self._assoc_ids)
        rec = {"id": aid, "account": a.get("account", ""), "user": a.get("user", ""),
               "partition": a.get("partition", ""), "cluster": a.get("cluster") or self.cluster_name,
               "parent_account": a.get("parent_account") or ("" if a.get("user") else "root"),
               "qos": a.get("qos") or ["normal"], "default": {"qos": "normal"}, "flags": [], "comment":
               a.get("comment", ""), "is_default": False, "shares_raw": 1, "priority": None, "lineage":
               f"/{a.get('account', '')}/" + (f"0-{a['user']}/" if a.get("user") else ""),
               "max": {}, "min": {}}
        if rec["account"] == "root" and not rec["user"]:
            rec["parent_account"] = ""
        self.assocs[aid] = rec
        return rec

    def _add_qos(self, q: dict) -> None:
        self.qos_table[q["name"]] = {
            "name": q["name"], "id": next(self._qos_ids), "description": q.get("description", q["name"]),
            "priority": q.get("priority", 0), "flags": q.get("flags", []), "preempt": {"mode": ["DISABLED"],
                                                                                         "list": []},
            "usage_factor": 1.0, "usage_threshold": None,
            "limits": {"max": {"jobs": {"per": {"user": q.get("max_jobs_per_user")}}}},
        }

    # ---- for the controller -------------------------------------------------------------------------------
    def add_job(self, job) -> None:
        self.jobs[job.job_id] = job

    def record_requeue(self, job, state=("PENDING", "REQUEUED")) -> None:
        """slurmdbd keeps the run that was requeued as a record of its own, in the state REQUEUED (NODE_FAIL
        when its node failed)."""
        rec = job.db_record()
        rec["state"] = {"current": list(state), "reason": "None"}
        for step in rec.get("steps", []):     # the steps of a run cut short were killed
            if step.get("state") == ["RUNNING"]:
                step["state"] = ["CANCELLED"]
        self.history.setdefault(job.job_id, []).append(rec)

    def _runs(self, job) -> list[dict]:
        return [*self.history.get(job.job_id, []), job.db_record()]

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

    def check_submit(self, user: str, account: str, qos: str | None = None, partition: str | None = None):
        if self.association_id(user, account) is None:
            raise SlurmError(2045, "Invalid account or account/partition combination specified",
                             "slurm_submit_batch_job()")
        if qos and qos not in self.qos_table:
            raise SlurmError(2066, "Invalid qos specification", "slurm_submit_batch_job()")

    def _is_admin(self, as_user: str) -> bool:
        return as_user in ("root", "slurm") or self.is_admin(as_user)

    def _admin(self, as_user: str, source: str) -> None:
        if not self._is_admin(as_user):
            raise SlurmError(2002, "Access/permission denied", source)

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
        return [dict(a) for a in self.assocs.values() if self._match_assoc(a, filters or {})]

    def association(self, filters=None) -> list[dict]:
        found = self.associations(filters)
        if len(found) > 1:
            raise SlurmError(9211, "Ambiguous request", "_foreach_match_assoc")
        return found

    def qos_list(self, filters=None) -> list[dict]:
        names = set(_one_of((filters or {}).get("name")))
        return [dict(q) for q in self.qos_table.values() if not names or q["name"] in names]

    def qos(self, name: str):
        q = self.qos_table.get(name)
        return dict(q) if q else None

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
        rec_user = job.user_name
        if f.get("users") and rec_user not in _one_of(f["users"]):
            return False
        if f.get("account") and job.account not in _one_of(f["account"]):
            return False
        if f.get("partition") and job.partition not in _one_of(f["partition"]):
            return False
        if f.get("job_name") and job.name not in _one_of(f["job_name"]):
            return False
        if f.get("state") and job.state not in [s.upper() for s in _one_of(f["state"])]:
            return False
        if f.get("start_time") and str(f["start_time"][0] if isinstance(f["start_time"], list) else
                                       f["start_time"]).isdecimal():
            start = int(f["start_time"][0] if isinstance(f["start_time"], list) else f["start_time"])
            if (job.end_time or self.clock.now()) < start:
                return False
        return True

    def job_records(self, filters=None) -> list[dict]:
        f = filters or {}
        return [rec for j in sorted(self.jobs.values(), key=lambda j: j.job_id) if self._job_matches(j, f)
                for rec in self._runs(j)]

    def job_record(self, job_id: str) -> list[dict]:
        base = str(job_id).split("_")[0].split("+")[0].split(".")[0]
        if not base.isdecimal():
            raise SlurmError(9000, f"Unable to parse job id: {job_id}", "_parse_job_id")
        job = self.jobs.get(int(base))
        return self._runs(job) if job else []

    # ---- writes -------------------------------------------------------------------------------------------
    def add_accounts(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_accounts_add")
        for a in items:
            if not a.get("name"):
                raise SlurmError(9200, "Required field name is missing", "#/accounts/name")
            self._add_account(a)
            self._add_assoc({"account": a["name"], "parent_account": a.get("parent") or "root"})

    def add_users(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_users_add")
        for u in items:
            if not u.get("name"):
                raise SlurmError(9200, "Required field name is missing", "#/users/name")
            self._add_user(u)

    def add_associations(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_associations_add")
        for a in items:
            if a.get("account") not in self.accounts:
                raise SlurmError(2045, f"Invalid account {a.get('account')}", "slurmdb_associations_add")
            if a.get("user") and a["user"] not in self.users:
                self._add_user({"name": a["user"], "default_account": a["account"]}, with_assocs=False)
            self._add_assoc(a)

    def add_qos(self, items: list, as_user: str) -> None:
        self._admin(as_user, "slurmdb_qos_add")
        for q in items:
            if not q.get("name"):
                raise SlurmError(9200, "Required field name is missing", "#/qos/name")
            if q["name"] in self.qos_table:
                self.qos_table[q["name"]].update({k: v for k, v in q.items() if k in ("description", "priority",
                                                                                       "flags")})
            else:
                self._add_qos(q)

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
        added = []
        for name in cond.get("accounts") or []:
            if name not in self.accounts:
                self._add_account({"name": name, "description": info.get("description", name),
                                   "organization": info.get("organization", name)})
                self._add_assoc({"account": name, "parent_account": "root"})
                added.append(name)
        if not added:
            return ""
        return " Adding Account(s)\n  " + "\n  ".join(added) + "\n"

    def add_users_association(self, value: dict, as_user: str) -> str:
        self._admin(as_user, "slurmdb_users_add_cond")
        cond = value.get("association_condition") or {}
        accounts = [a for a in cond.get("accounts") or [] if a in self.accounts]
        if not accounts:
            return ""
        added = []
        for name in cond.get("users") or []:
            if name not in self.users:
                self._add_user({"name": name, "default_account": accounts[0]}, with_assocs=False)
            for account in accounts:
                before = len(self.assocs)
                self._add_assoc({"account": account, "user": name})
                if len(self.assocs) > before:
                    added.append(f"U = {name:<9} A = {account:<10} C = {self.cluster_name:<10}")
        if not added:
            return ""
        return " Associations =\n  " + "\n  ".join(added) + "\n"

    def delete_account(self, name: str, as_user: str) -> list[str]:
        self._admin(as_user, "slurmdb_accounts_remove")
        if name not in self.accounts:
            return []
        del self.accounts[name]
        for aid in [k for k, a in self.assocs.items() if a["account"] == name]:
            del self.assocs[aid]
        return [name]

    def delete_user(self, name: str, as_user: str) -> list[str]:
        self._admin(as_user, "slurmdb_users_remove")
        if name not in self.users:
            return []
        del self.users[name]
        for aid in [k for k, a in self.assocs.items() if a["user"] == name]:
            del self.assocs[aid]
        return [name]

    def delete_qos(self, name: str, as_user: str) -> list[str]:
        self._admin(as_user, "slurmdb_qos_remove")
        return [name] if self.qos_table.pop(name, None) else []

    def delete_associations(self, filters: dict, as_user: str, single: bool = False) -> list[str]:
        self._admin(as_user, "slurmdb_associations_remove")
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

    def update_job(self, job_id: str, changes: dict, as_user: str) -> list:
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
        return [{"job_id": job.job_id, "step_id": "", "job_submit_user_msg": ""}]

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

    def shares(self, accounts=None, users=None) -> dict:
        rows = []
        for a in self.assocs.values():
            if accounts and a["account"] not in accounts:
                continue
            if users and a["user"] and a["user"] not in users:
                continue
            rows.append({"id": a["id"], "cluster": a["cluster"], "name": a["user"] or a["account"],
                         "parent": a["account"] if a["user"] else a["parent_account"], "partition": a["partition"],
                         "shares_normalized": 1.0 / max(1, len(self.assocs)), "shares": 1,
                         "tres": {"run_seconds": [], "group_minutes": [], "usage": []},
                         "effective_usage": 0.0, "usage_normalized": 0.0, "usage": 0,
                         "fairshare": {"factor": 1.0, "level": 1.0},
                         "type": ["USER"] if a["user"] else ["ASSOCIATION"]})
        return {"shares": rows, "total_shares": len(rows)}
