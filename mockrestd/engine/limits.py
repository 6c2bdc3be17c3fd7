"""QOS and association limits, as slurmctld applies them with `AccountingStorageEnforce=...,limits`.

Two moments, as in Slurm's acct_policy.c: at submit (`_check_submit_limits`) only the submit counts
(MaxSubmitJobs*, GrpSubmitJobs) refuse a job (error 2050), or any limit when the QOS has DenyOnLimit; every
other limit keeps the job PENDING with Slurm's own reason (`_limit_reason`, asked by `_why_waiting`) until
the running jobs that use the limit end. The limits live in the accounting records, in their v0.0.44
places (`qos.limits.max...`, `association.max...`), so what `GET /slurmdb/.../qos` shows is what holds."""

from __future__ import annotations

from ..errors import SlurmError
from .jobs import Job
from .values import INFINITE

# TRES name -> the word in the reason (job_state_reason.c: WAIT_QOS_GRP_CPU "QOSGrpCpuLimit", ...)
_GRP = {"qos": {"cpu": "QOSGrpCpuLimit", "mem": "QOSGrpMemLimit", "node": "QOSGrpNodeLimit",
                "billing": "QOSGrpBilling", "gres": "QOSGrpGRES"},
        "assoc": {"cpu": "AssocGrpCpuLimit", "mem": "AssocGrpMemLimit", "node": "AssocGrpNodeLimit",
                  "billing": "AssocGrpBilling", "gres": "AssocGrpGRES"}}
_PER_JOB = {"qos": {"cpu": "QOSMaxCpuPerJobLimit", "mem": "QOSMaxMemoryPerJob", "node": "QOSMaxNodePerJobLimit",
                    "billing": "QOSMaxBillingPerJob", "gres": "QOSMaxGRESPerJob"},
            "assoc": {"cpu": "AssocMaxCpuPerJobLimit", "mem": "AssocMaxMemPerJob",
                      "node": "AssocMaxNodePerJobLimit", "billing": "AssocMaxBillingPerJob",
                      "gres": "AssocMaxGRESPerJob"}}
# GrpTRESMins (TRES-minutes used so far) and GrpTRESRunMins (TRES-minutes the running jobs have left)
_GRP_MINUTES = {"cpu": "AssocGrpCPUMinutesLimit", "node": "AssocGrpNodeMinutes", "billing": "AssocGrpBillingMinutes",
                "mem": "AssocGrpMemMinutes", "gres": "AssocGrpGRESMinutes"}
_GRP_RUN_MINUTES = {"cpu": "AssocGrpCPURunMinutesLimit", "node": "AssocGrpNodeRunMinutes",
                    "billing": "AssocGrpBillingRunMinutes", "mem": "AssocGrpMemRunMinutes",
                    "gres": "AssocGrpGRESRunMinutes"}
_PER_USER = {"cpu": "QOSMaxCpuPerUserLimit", "mem": "QOSMaxMemoryPerUser", "node": "QOSMaxNodePerUserLimit",
             "billing": "QOSMaxBillingPerUser", "gres": "QOSMaxGRESPerUser"}


def get(rec: dict, path: str):
    """The value at a dotted path of a record, None when unset (INFINITE and NO_VAL are no limit)."""
    value = rec
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if value is INFINITE or value is None or value == []:
        return None
    if isinstance(value, dict) and "number" in value:       # a no-val struct that came in unparsed
        return value["number"] if value.get("set") and not value.get("infinite") else None
    return value


def tres_map(value) -> dict[str, int]:
    """A TRES list (`[{type: cpu, count: 4}, {type: gres, name: gpu, count: 1}]`) or text (`cpu=4,gres/gpu=1`)
    as {"cpu": 4, "gres/gpu": 1}; memory in MB."""
    out: dict[str, int] = {}
    if isinstance(value, str):
        for part in value.split(","):
            key, _, count = part.partition("=")
            if key and count:
                out[key.strip()] = _count(count.strip())
        return out
    for t in value or []:
        if isinstance(t, dict) and t.get("type") and t.get("count") not in (None, -1):
            key = t["type"] + (f"/{t['name']}" if t.get("name") else "")
            out[key] = int(t["count"])
    return out


def tres_list(value) -> list[dict]:
    """TRES text or map as the list slurmdbd answers (ids from the TRES table)."""
    ids = {"cpu": 1, "mem": 2, "energy": 3, "node": 4, "billing": 5, "gres/gpu": 1001}
    out = []
    for key, count in (tres_map(value) if not isinstance(value, dict) else value).items():
        kind, _, name = key.partition("/")
        out.append({"type": kind, "name": name, "id": ids.get(key, 0), "count": count})
    return out


def _count(text: str) -> int:
    units = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    if text[-1:].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


def job_tres(job: Job) -> dict[str, int]:
    """What a job counts against TRES limits: what it holds once running, what it asks for before."""
    held = job.alloc or {}
    if held:
        cpus, mem, nodes = sum(a[0] for a in held.values()), sum(a[1] for a in held.values()), len(held)
    else:
        cpus, mem, nodes = job.cpus, job.memory_request(), max(1, job.min_nodes)
    out = {"cpu": cpus, "mem": mem, "node": nodes, "billing": cpus}
    for name, (_t, count) in job.gres_per_node.items():
        out[f"gres/{name}"] = out.get(f"gres/{name}", 0) + int(count) * nodes
    for name, (_t, count) in job.gres_per_job.items():
        out[f"gres/{name}"] = out.get(f"gres/{name}", 0) + int(count)
    return out


def _any_limit(node) -> bool:
    """Whether a limits tree (`qos.limits`, `association.max`) sets anything: a value `get` would not
    read as "no limit". A tree with none cannot keep a job pending, so its running jobs need no count."""
    if isinstance(node, dict):
        if "number" in node and set(node) <= {"set", "infinite", "number"}:
            return bool(node.get("set")) and not node.get("infinite")
        return any(_any_limit(v) for v in node.values())
    return not (node is None or node is INFINITE or node == [] or node == "")


def _tres_reason(table: dict, key: str) -> str:
    return table.get(key.split("/")[0], table["gres"])


class LimitsMixin:
    """Limits of the job's QOS and association (and the association's parents)."""

    def _enforcing(self, what: str) -> bool:
        acc = self.accounting
        return acc.enabled and what in acc.enforce

    def _active(self, pred, job: Job | None = None) -> list[Job]:
        """Running jobs that match; for a hetjob component also the components before it, which start
        with it (each component counts as a job: acct_policy.c `_het_job_limit_check`)."""
        return [j for j in self.jobs.values() if pred(j) and (j.running or _earlier_component(j, job))]

    def _submitted(self, pred) -> int:
        """Jobs pending or running that match (a pending array counts each task it has left)."""
        n = 0
        for j in self.jobs.values():
            if (j.pending or j.running) and pred(j):
                arr = self.arrays.get(j.job_id)
                n += len(arr.pending) if arr is not None and arr.job is j and j.pending else 1
        return n

    def _assoc_chain(self, job: Job) -> list[dict]:
        """The job's association, then its account's and each parent account's up to root."""
        return self.accounting.assoc_chain(job.association_id)

    def _limit_reason(self, job: Job) -> str | None:
        """Why the job's QOS or association keeps it pending now, or None (acct_policy_job_runnable_*)."""
        if not self._enforcing("limits"):
            return None
        qos = self.accounting.qos_table.get(job.qos)
        memo = getattr(self, "_pass_memo", None)       # one scheduler pass: the limits do not change in it
        if memo is not None:
            key = ("limited", job.qos, job.association_id)
            if key not in memo:
                memo[key] = (qos is not None and _any_limit(qos.get("limits") or {})) or \
                    any(_any_limit(a.get("max") or {}) for a in self._assoc_chain(job))
            if not memo[key]:          # neither the QOS nor any association up to root sets a limit
                return None
        if qos is not None:
            reason = self._qos_reason(job, qos)
            if reason:
                return reason
        return self._assoc_reason(job)

    def _qos_reason(self, job: Job, qos: dict) -> str | None:
        lim = qos.get("limits") or {}
        if not _any_limit(lim):          # most QOS set none: no need to look at every running job
            return None
        same_qos = self._active(lambda j: j.qos == job.qos and j is not job, job)
        mine = [j for j in same_qos if j.user_name == job.user_name]
        grp_jobs = get(lim, "max.active_jobs.count")
        if grp_jobs is not None and len(same_qos) >= grp_jobs:
            return "QOSGrpJobsLimit"
        per_user = get(lim, "max.jobs.active_jobs.per.user")
        if per_user is not None and len(mine) >= per_user:
            return "QOSMaxJobsPerUserLimit"
        per_account = get(lim, "max.jobs.active_jobs.per.account")
        if per_account is not None and len([j for j in same_qos if j.account == job.account]) >= per_account:
            return "QOSMaxJobsPerAccount"
        wall = get(lim, "max.wall_clock.per.job")
        if wall is not None and (job.time_limit is INFINITE or job.time_limit > wall):
            return "QOSMaxWallDurationPerJobLimit"
        want = job_tres(job)
        for key, limit in tres_map(get(lim, "max.tres.per.job")).items():
            if want.get(key, 0) > limit:
                return _tres_reason(_PER_JOB["qos"], key)
        for key, limit in tres_map(get(lim, "max.tres.total")).items():
            if want.get(key, 0) + sum(job_tres(j).get(key, 0) for j in same_qos) > limit:
                return _tres_reason(_GRP["qos"], key)
        for key, limit in tres_map(get(lim, "max.tres.per.user")).items():
            if want.get(key, 0) + sum(job_tres(j).get(key, 0) for j in mine) > limit:
                return _tres_reason(_PER_USER, key)
        return None

    def _assoc_reason(self, job: Job) -> str | None:
        chain = self._assoc_chain(job)
        want = job_tres(job)
        for depth, assoc in enumerate(chain):
            # the job's own association with the Max* limits it inherits; its parents' only for Grp* limits
            lim = (self.accounting.effective(assoc) if not depth else assoc).get("max") or {}
            if not _any_limit(lim):      # an association without limits: nothing to count
                continue
            under = self._active(lambda j: j is not job and self.accounting.assoc_under(j.association_id, assoc),
                                 job)
            grp_jobs = get(lim, "jobs.per.count")
            if grp_jobs is not None and len(under) >= grp_jobs:
                return "AssocGrpJobsLimit"
            for key, limit in tres_map(get(lim, "tres.total")).items():
                if want.get(key, 0) + sum(job_tres(j).get(key, 0) for j in under) > limit:
                    return _tres_reason(_GRP["assoc"], key)
            reason = self._minutes_reason(job, want, assoc, lim)
            if reason:
                return reason
            if depth:          # the per-job and per-user limits are the job's own association's
                continue
            max_jobs = get(lim, "jobs.active")
            if max_jobs is not None and len(under) >= max_jobs:
                return "AssocMaxJobsLimit"
            wall = get(lim, "jobs.per.wall_clock")
            if wall is not None and (job.time_limit is INFINITE or job.time_limit > wall):
                return "AssocMaxWallDurationPerJobLimit"
            for key, limit in tres_map(get(lim, "tres.per.job")).items():
                if want.get(key, 0) > limit:
                    return _tres_reason(_PER_JOB["assoc"], key)
        return None

    def _minutes_reason(self, job: Job, want: dict, assoc: dict, lim: dict) -> str | None:
        """GrpTRESMins and GrpTRESRunMins read the counters `/shares` shows (Accounting.usage): used minutes
        at the limit hold every job; a job whose time limit would take the running minutes past it waits."""
        minutes, running = tres_map(get(lim, "tres.group.minutes")), tres_map(get(lim, "tres.group.active"))
        if not minutes and not running:
            return None
        used, left = self.accounting.usage(assoc)
        for key, limit in minutes.items():
            if used.get(key, 0) / 60 >= limit:
                return _tres_reason(_GRP_MINUTES, key)
        for key, limit in running.items():
            mins = None if job.time_limit is INFINITE else want.get(key, 0) * job.time_limit
            if mins is None or left.get(key, 0) / 60 + mins > limit:
                return _tres_reason(_GRP_RUN_MINUTES, key)
        return None

    def _check_submit_limits(self, job: Job, d: dict, failed: str, source: str) -> None:
        """Refuse with 2050 what would pass a submit limit (MaxSubmitJobs*, GrpSubmitJobs), or any limit of a
        QOS with DenyOnLimit; a job without a time limit gets the lowest MaxWall (acct_policy_validate)."""
        if not self._enforcing("limits"):
            return
        qos = self.accounting.qos_table.get(job.qos) or {}
        lim = qos.get("limits") or {}
        count = _tasks(d)
        walls = [w for w in (get(lim, "max.wall_clock.per.job"),
                             *(get(self.accounting.effective(a).get("max") or {}, "jobs.per.wall_clock")
                               for a in self._assoc_chain(job)[:1]))
                 if w is not None]
        if walls and d.get("time_limit") is None:
            part = self.partitions.get(job.partition)
            if part is None or part.max_time is INFINITE or min(walls) < part.max_time:
                job.time_limit = min(walls)
        refused = SlurmError(2050, failed, source)
        for path, pred in (("max.jobs.per.user", lambda j: j.qos == job.qos and j.user_name == job.user_name),
                           ("max.jobs.per.account", lambda j: j.qos == job.qos and j.account == job.account),
                           ("max.jobs.count", lambda j: j.qos == job.qos)):
            limit = get(lim, path)
            if limit is not None and self._submitted(pred) + count > limit:
                raise refused
        for depth, assoc in enumerate(self._assoc_chain(job)):
            alim = (self.accounting.effective(assoc) if not depth else assoc).get("max") or {}
            paths = ["jobs.per.submitted"] + ([] if depth else ["jobs.total"])
            for path in paths:
                limit = get(alim, path)
                if limit is not None and self._submitted(
                        lambda j: self.accounting.assoc_under(j.association_id, assoc)) + count > limit:
                    raise refused
        if "DENY_LIMIT" in (qos.get("flags") or []):
            reason = self._qos_reason(job, qos)
            if reason and ("PerJob" in reason or "Wall" in reason):
                raise refused


def _earlier_component(j: Job, job: Job | None) -> bool:
    return (job is not None and job.het_job_id is not None and j.pending and j.het_job_id == job.het_job_id
            and (j.het_job_offset or 0) < (job.het_job_offset or 0))


def _tasks(d: dict) -> int:
    """How many jobs one submission makes, for the submit counts (each array task is one)."""
    from .arrays import parse_array
    spec = d.get("array")
    if not spec:
        return 1
    try:
        return max(1, len(parse_array(str(spec))[0]))
    except (SlurmError, ValueError, TypeError):
        return 1
