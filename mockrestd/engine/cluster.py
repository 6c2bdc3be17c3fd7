"""The emulated controller: nodes, partitions, jobs and the scheduler, driven by one clock.

Nothing runs in the background: every call first replays the events due up to `clock.now()` (scheduler
passes, job ends, COMPLETING flags clearing, MinJobAge purges) in time order, so a manual clock gives
exactly repeatable histories and a fast clock gives a lively demo."""

from __future__ import annotations

import heapq
import itertools
import math
import re
import zlib

from ..errors import SlurmError, error_text, warning
from . import conf
from .accounting import Accounting
from .clock import Clock
from .config import load_config
from .hostlist import compress, expand
from .jobs import ENDINGS, Job, RecordRef
from .models import License, Node, Partition, Reservation, licenses_of, parse_tres_request
from .runtime import SIGNAL_NAMES, SIGNALS, plan_for, signal_number
from .state import Decoder, Encoder
from .values import INFINITE

FIXED_UIDS = {"root": 0, "slurm": 64030, "nobody": 65534}
SNAPSHOT_FORMAT = "mockrestd-snapshot/2"
# kill_jobs_msg / DELETE job `flags` Slurm knows
KILL_FLAGS = {"BATCH_JOB", "ARRAY_TASK", "FULL_STEPS_ONLY", "FULL_JOB", "FEDERATION_REQUEUE", "HURRY",
              "OUT_OF_MEMORY", "NO_SIBLING_JOBS", "RESERVATION_JOB", "VERBOSE", "CRON_JOBS", "WARNING_SENT"}
_EPS = 1e-9
REQUEUE_DELAY = 121          # seconds a requeued running job waits (BeginTime), as measured on 26.05.5


class SubmitResult:
    def __init__(self, job_id: int, warnings=None, user_msg: str = "", step_id: str = "batch"):
        self.job_id, self.step_id, self.user_msg = job_id, step_id, user_msg
        self.warnings = list(warnings or [])

    def __repr__(self) -> str:
        return f"SubmitResult(job_id={self.job_id}, warnings={self.warnings})"


class _Array:
    """A job array's pending part: one record (`job`, the array's own id) until its last task starts."""

    def __init__(self, array_id: int, tasks: list[int], max_running: int, job: Job):
        self.array_id, self.pending, self.max_running, self.job = array_id, list(tasks), max_running, job
        self.task_jobs: list[Job] = []

    def task_string(self) -> str:
        """"0,2,4%1", "2-3": the pending task ids as Slurm prints them."""
        parts, i, p = [], 0, self.pending
        while i < len(p):
            j = i
            while j + 1 < len(p) and p[j + 1] == p[j] + 1:
                j += 1
            parts.append(str(p[i]) if i == j else f"{p[i]}-{p[j]}")
            i = j + 1
        text = ",".join(parts)
        return text + (f"%{self.max_running}" if text and self.max_running else "")


class Cluster:
    def __init__(self, config: dict, clock=None):
        self.config = config
        self.clock = clock or Clock()
        c = config["cluster"]
        self.name = c.get("name", "mock")
        self.release = c.get("release", "25.11.7")
        self.slurm_user = c.get("slurm_user", "slurm")
        self.operators = tuple(dict.fromkeys(list(c.get("operators", ["root"])) + [self.slurm_user]))
        self.min_job_age = float(c.get("min_job_age", 300))
        self.strict_users = bool(c.get("strict_users", False))
        self.control_host = c.get("control_host", "mockctld")
        self.runtime = dict(config.get("runtime", {}))
        self._t = self.clock.now()
        self.started = self._t
        self.nodes: dict[str, Node] = {}
        for group in config.get("nodes", []):
            for name in expand(group["names"]):
                self.nodes[name] = Node.from_config(name, group, self._t)
        self.partitions: dict[str, Partition] = {}
        for p in config.get("partitions", []):
            self.partitions[p["name"]] = Partition.from_config(p, self)
        self.licenses = {lic["name"]: License(lic["name"], int(lic.get("total", 0)))
                         for lic in config.get("licenses", [])}
        self.reservations: dict[str, Reservation] = {}
        for r in config.get("reservations", []):
            self._add_reservation(r)
        self.accounting = Accounting.from_config(config, self.name, self.clock)
        self.jobs: dict[int, Job] = {}                 # everything the controller still shows
        self.arrays: dict[int, _Array] = {}
        self._next_id = int(c.get("first_job_id", 1))
        self._events: list = []
        self._sched_times: set = set()
        self._seq = itertools.count()
        self.last_job_update = self._t
        self.stats = {"jobs_submitted": 0, "jobs_started": 0, "jobs_completed": 0, "jobs_canceled": 0,
                      "jobs_failed": 0, "schedule_cycles": 0, "rpcs": 0, "last_cycle_depth": 0}

    # ---- construction -----------------------------------------------------------------------------------
    @classmethod
    def default(cls, clock=None) -> "Cluster":
        return cls(load_config(), clock)

    @classmethod
    def from_file(cls, path, clock=None) -> "Cluster":
        return cls(load_config(path), clock)

    def is_operator(self, user: str) -> bool:
        return user in self.operators or self.accounting.is_admin(user)

    def ensure_user(self, user: str) -> None:
        """Unknown user names become ordinary users with the default account, or get 6010 when strict."""
        if self.accounting.has_user(user) or user in self.operators:
            return
        if self.strict_users:
            raise SlurmError(6010, "Rejecting authentication of user nobody or group nobody",
                             "slurm_submit_batch_job()")
        self.accounting.ensure_user(user, self.config["cluster"].get("default_account", "default"))

    @staticmethod
    def uid(user: str) -> int:
        """Stable ids: fixed ones for system users, a hash ≥ 1000 for everybody else."""
        return FIXED_UIDS.get(user, 1000 + zlib.crc32(user.encode()) % 50000)

    # ---- the event loop -----------------------------------------------------------------------------------
    def _push(self, t: float, kind: str, job_id: int = 0) -> None:
        if kind == "sched":          # one scheduler pass per instant is enough, however many asked for it
            if t in self._sched_times:
                return
            self._sched_times.add(t)
        heapq.heappush(self._events, (t, next(self._seq), kind, job_id))

    def sync(self) -> float:
        """Replay every event due up to now, in time order; returns the time the model is at."""
        now = self.clock.now()
        while self._events and self._events[0][0] <= now:
            t, _, kind, job_id = heapq.heappop(self._events)
            self._t = max(self._t, t)
            if kind == "sched":
                self._sched_times.discard(t)
            getattr(self, f"_on_{kind}")(job_id)
        self._t = max(self._t, now)
        self.stats["rpcs"] += 1
        return self._t

    def _on_sched(self, _):
        self._schedule()

    def _on_end(self, job_id):
        job = self.jobs.get(job_id)
        if job is None or not job.running or job.end_at is None or job.end_at > self._t + _EPS:
            return
        if job.end_how == "timeout":
            job.end("timeout", self._t, completing=self._completing_time())
        elif job.plan.oom:
            job.end("oom", self._t, return_code=0)
        elif job.plan.exit_code:
            job.end("failed", self._t, return_code=job.plan.exit_code)
        else:
            job.end("completed", self._t)
        self._finish(job)

    def _on_uncomplete(self, job_id):
        job = self.jobs.get(job_id)
        if job is not None and job.completing_until is not None and job.completing_until <= self._t + _EPS:
            job.completing_until = None
            job.last_update = self._t
            if job.pending:       # a requeued job's last run is over: it holds nothing any more
                job.last_alloc = {}

    def _on_purge(self, job_id):
        job = self.jobs.get(job_id)
        if job is not None and job.finished and job.end_time + self.min_job_age <= self._t + _EPS:
            del self.jobs[job_id]
            arr = self.arrays.get(job_id)
            if arr is not None and arr.job is job:
                del self.arrays[job_id]
            self.last_job_update = self._t

    def _completing_time(self) -> float:
        return float(self.runtime.get("completing_time", 1))

    def _touch(self, job: Job) -> None:
        job.last_update = self.last_job_update = self._t

    def _release(self, job: Job, completing: float = 0.0) -> None:
        """Give back the nodes (busy `completing` seconds more) and licenses the job holds."""
        for name in job.alloc:
            node = self.nodes.get(name)
            if node:
                node.release(job.job_id, self._t, completing)
        if job.alloc:
            job.last_alloc, job.alloc = job.alloc, {}
            for name, count in licenses_of(job.licenses):
                if name in self.licenses:
                    self.licenses[name].used = max(0, self.licenses[name].used - count)

    def _finish(self, job: Job) -> None:
        """Free what the job held, count it, and let the scheduler and dependants look again."""
        self._release(job, (job.completing_until - self._t) if job.completing_until else 0.0)
        if job.completing_until:
            self._push(job.completing_until, "uncomplete", job.job_id)
        key = {"COMPLETED": "jobs_completed", "CANCELLED": "jobs_canceled"}.get(job.state, "jobs_failed")
        self.stats[key] += 1
        self._touch(job)
        self._push(job.end_time + self.min_job_age, "purge", job.job_id)
        self._push(self._t, "sched")

    # ---- scheduling ---------------------------------------------------------------------------------------
    def _schedule(self) -> None:
        """One pass: highest priority first, each job starts if it fits now (backfill of what fits)."""
        self.stats["schedule_cycles"] += 1
        t = self._t
        blocked: set = set()
        het_done: set = set()
        pending = sorted((j for j in self.jobs.values() if j.pending), key=lambda j: (-j.priority, j.job_id))
        self.stats["last_cycle_depth"] = len(pending)
        for job in pending:
            if not job.pending:
                continue
            job.last_eval = t
            reason = self._why_waiting(job)
            if reason is not None:
                if job.reason != reason:
                    job.reason = reason
                    self._touch(job)
                continue
            if job.accrue_time is None:
                job.accrue_time = job.eligible_time or t
            if job.het_job_id is not None:
                if job.het_job_id not in het_done:
                    het_done.add(job.het_job_id)
                    self._schedule_het(job.het_job_id, blocked)
                continue
            arr = self.arrays.get(job.job_id)
            if arr is not None and arr.job is job:
                self._schedule_array(arr, blocked)
                continue
            plan = self._place(job)
            if plan is None:
                self._wait(job, self._blocked_reason(job, blocked))
                blocked.add(job.partition)
                continue
            self._start(job, plan)

    def _wait(self, job: Job, reason: str) -> None:
        if job.reason != reason:
            job.reason = reason
            self._touch(job)

    def _blocked_reason(self, job: Job, blocked: set) -> str:
        if job.partition in blocked:
            return "Priority"
        if not self._licenses_free(job):
            return "Licenses"
        return "Resources"

    def _why_waiting(self, job: Job) -> str | None:
        """A pending reason that does not depend on free resources, or None when it may start."""
        t = self._t
        if job.hold:
            return "JobHeldUser" if job.hold == "user" else "JobHeldAdmin"
        dep = self._dependency_state(job)
        if dep == "never":
            return "DependencyNeverSatisfied"
        if dep == "wait":
            return "Dependency"
        if job.eligible_time is None:
            job.eligible_time = max(t, job.begin_time or 0)
        if job.begin_time and job.begin_time > t + _EPS:
            self._push(job.begin_time, "sched")
            return "BeginTime"
        part = self.partitions.get(job.partition)
        if part is None:
            return "PartitionDown"
        if part.state in ("DOWN", "DRAIN"):
            return "PartitionDown"
        if part.state == "INACTIVE":
            return "PartitionInactive"
        if part.max_time is not INFINITE and job.time_limit is not INFINITE and job.time_limit > part.max_time:
            return "PartitionTimeLimit"
        if part.max_nodes is not INFINITE and job.min_nodes > part.max_nodes:
            return "PartitionNodeLimit"
        if job.desc.get("reservation") and job.desc["reservation"] not in self.reservations:
            return "ReservationDeleted"
        if not self._could_ever_fit(job):
            return "PartitionConfig"
        if not self._nodes_up(job):
            return "Nodes_required_for_job_are_DOWN,_DRAINED_or_reserved_for_jobs_in_higher_priority_partitions" \
                if job.desc.get("required_nodes") else "Resources"
        return None

    def _nodes_up(self, job: Job) -> bool:
        required = _names(job.desc.get("required_nodes"))
        return all(n in self.nodes and self.nodes[n].usable(self._t) for n in required)

    def _schedule_het(self, het_id: int, blocked: set) -> None:
        comps = sorted((j for j in self.jobs.values() if j.het_job_id == het_id and j.pending),
                       key=lambda j: j.het_job_offset)
        if any(self._why_waiting(c) for c in comps):
            for c in comps:
                self._wait(c, self._why_waiting(c) or "None")
            return
        plans = self._place_together(comps)
        if plans is None:
            for c in comps:
                self._wait(c, self._blocked_reason(c, blocked))
            blocked.update(c.partition for c in comps)
            return
        for c, plan in zip(comps, plans):
            self._start(c, plan)

    def _schedule_array(self, arr: _Array, blocked: set) -> None:
        meta = arr.job
        while arr.pending:
            running = sum(1 for j in arr.task_jobs if j.running)
            if arr.max_running and running >= arr.max_running:
                self._wait(meta, "JobArrayTaskLimit")
                return
            plan = self._place(meta)
            if plan is None:
                self._wait(meta, self._blocked_reason(meta, blocked))
                blocked.add(meta.partition)
                return
            task = arr.pending.pop(0)
            if arr.pending:
                job = self._split_task(meta, task)
            else:      # the last task takes over the array's own id
                job = meta
                job.array_task_id = task
            arr.task_jobs.append(job)
            self._start(job, plan)
            if job is meta:
                del self.arrays[arr.array_id]

    def _split_task(self, meta: Job, task: int) -> Job:
        """A task leaving the array's pending record: a new job id, its own record, in accounting too."""
        job = Job(**{f: getattr(meta, f) for f in meta.__dataclass_fields__})
        job.job_id, job.array_task_id = self._next_id, task
        self._next_id += 1
        job.alloc, job.last_alloc, job.swallowed, job.flags = {}, {}, set(), list(meta.flags)
        job.desc = dict(meta.desc)
        job._sync = self.sync
        self.jobs[job.job_id] = job
        self.accounting.add_job(job)
        return job

    def _candidates(self, job: Job) -> list[str]:
        part = self.partitions[job.partition]
        excluded = set(_names(job.desc.get("excluded_nodes")))
        required = _names(job.desc.get("required_nodes"))
        features = _features(job.desc.get("constraints"))
        names = [n for n in part.node_names if n in self.nodes and n not in excluded]
        names = [n for n in names if self.nodes[n].usable(self._t) and self._reservation_allows(n, job)]
        names = [n for n in names if features <= set(self.nodes[n].features)]
        if required:
            names = required + [n for n in names if n not in required] if all(n in names for n in required) else []
        return names

    def _place(self, job: Job, held=None, avoid=()):
        """Nodes for the job now, as {node: [cpus, mem, gres slots, cpu ids]}, or None when it must wait;
        `avoid`: nodes it may not use (those of a hetjob's other components)."""
        if not self._licenses_free(job):
            return None
        held = held or {}
        need_cpus = job.cpus
        need_job_gres = {k: [v[0], v[1]] for k, v in job.gres_per_job.items()}
        per_node = max(job.cpus_per_task, math.ceil(job.cpus / max(1, job.min_nodes)))
        required = set(_names(job.desc.get("required_nodes")))
        plan = {}
        for name in self._candidates(job):
            if name in avoid:
                continue
            node = self.nodes[name]
            free_cpus = node.free_cpus() - held.get(name, [0, 0, []])[0]
            free_mem = node.free_mem() - held.get(name, [0, 0, []])[1]
            taken_slots = {tuple(s) for s in held.get(name, [0, 0, []])[2]}
            gres = []
            ok = True
            for gname, (gtype, count) in job.gres_per_node.items():
                free = [s for s in node.free_slots(gname, gtype) if tuple(s) not in taken_slots]
                if len(free) < count:
                    ok = False
                    break
                gres += free[:count]
            if not ok:
                continue
            job_gres_here = []
            for gname, want in need_job_gres.items():
                if want[1] <= 0:
                    continue
                free = [s for s in node.free_slots(gname, want[0]) if tuple(s) not in taken_slots]
                job_gres_here += free[:want[1]]
            wants_more_nodes = len(plan) < job.min_nodes or name in required
            if need_cpus <= 0 and not job_gres_here and not wants_more_nodes:
                continue
            take = min(free_cpus, per_node, max(need_cpus, job.cpus_per_task))
            take -= take % job.cpus_per_task
            if take <= 0:
                continue
            mem = job.memory_per_node or (job.memory_per_cpu or 0) * take
            if mem > free_mem:
                continue
            for s in job_gres_here:
                need_job_gres[s[0]][1] -= 1
            plan[name] = [take, mem, gres + job_gres_here]
            need_cpus -= take
            if need_cpus <= 0 and len(plan) >= job.min_nodes and all(v[1] <= 0 for v in need_job_gres.values()) \
                    and required <= set(plan):
                return plan
            if job.max_nodes and len(plan) >= job.max_nodes:
                return None
        return None

    def _could_ever_fit(self, job: Job) -> bool:
        """Whether the partition, empty, could hold the job; if not it pends forever (PartitionConfig)."""
        part = self.partitions.get(job.partition)
        nodes = [self.nodes[n] for n in part.node_names if n in self.nodes] if part else []
        features = _features(job.desc.get("constraints"))
        mem = job.memory_per_node or (job.memory_per_cpu or 0) * job.cpus_per_task
        fitting = [n for n in nodes if n.cpus >= job.cpus_per_task and n.real_memory >= mem
                   and n.base_state != "FUTURE" and features <= set(n.features)
                   and all(len([s for s in n.gres_slots if s[0] == g and (not t or s[1] == t)]) >= c
                           for g, (t, c) in job.gres_per_node.items())]
        job_gres_ok = all(sum(1 for n in fitting for s in n.gres_slots if s[0] == g and (not t or s[1] == t)) >= c
                          for g, (t, c) in job.gres_per_job.items())
        return bool(fitting) and sum(n.cpus for n in fitting) >= job.cpus and len(fitting) >= job.min_nodes \
            and job_gres_ok

    def _place_together(self, jobs):
        """All-or-nothing placement for hetjob components, each on nodes of its own: on one idle node a
        two-component hetjob pends for Resources forever (real 24.11.5 and 26.05.5)."""
        held: dict = {}
        plans = []
        for job in jobs:
            plan = self._place(job, held, avoid=set(held))
            if plan is None:
                return None
            for name, (cpus, mem, gres) in plan.items():
                h = held.setdefault(name, [0, 0, []])
                h[0] += cpus
                h[1] += mem
                h[2] += gres
            plans.append(plan)
        return plans

    def _reservation_allows(self, node: str, job: Job) -> bool:
        wanted = job.desc.get("reservation")
        for resv in self.reservations.values():
            if node in resv.nodes and resv.active(self._t) and resv.name != wanted:
                return False
            if node in resv.nodes and not resv.active(self._t) and not resv.over(self._t) and \
                    job.time_limit is not INFINITE and self._t + job.time_limit * 60 > resv.start and \
                    resv.name != wanted:
                return False      # it would still run when the reservation starts
            if node in resv.nodes and job.time_limit is INFINITE and not resv.over(self._t) and \
                    resv.name != wanted:
                return False
        if wanted:
            resv = self.reservations.get(wanted)
            return resv is not None and node in resv.nodes and resv.active(self._t)
        return True

    def _licenses_free(self, job: Job) -> bool:
        return all(name in self.licenses and self.licenses[name].free() >= count
                   for name, count in licenses_of(job.licenses))

    def _start(self, job: Job, plan: dict) -> None:
        job.alloc = {name: self.nodes[name].hold(job.job_id, cpus, mem, gres)
                     for name, (cpus, mem, gres) in plan.items()}
        for name, count in licenses_of(job.licenses):
            self.licenses[name].used += count
        job.move("RUNNING")
        job.reason, job.start_time = "None", self._t
        if job.accrue_time is None:
            job.accrue_time = job.eligible_time or self._t
        job.run_left, job.resumed_at, job.stopped = job.plan.runtime, self._t, False
        self.stats["jobs_started"] += 1
        self._touch(job)
        self._plan_end(job)

    def _plan_end(self, job: Job) -> None:
        """When the running job ends next: its work done, or its time limit, whichever comes first."""
        work_end = math.inf if job.stopped else job.resumed_at + job.run_left
        limit_end = math.inf if job.time_limit is INFINITE else job.start_time + job.time_limit * 60
        if limit_end <= work_end:
            job.end_at, job.end_how = max(self._t, limit_end), "timeout"
        else:
            job.end_at, job.end_how = work_end, "normal"
        if job.end_at != math.inf:
            self._push(job.end_at, "end", job.job_id)
        else:
            job.end_at = None

    def _dependency_state(self, job: Job) -> str:
        """"ok", "wait" or "never" for `afterok:1:2,afterany:3` (`?` = any one clause is enough)."""
        if not job.dependency:
            return "ok"
        any_of = "?" in job.dependency
        results = []
        for clause in re.split(r"[,?]", job.dependency):
            kind, _, ids = clause.partition(":")
            kind = kind.strip().lower()
            if kind == "singleton":
                same = [j for j in self.jobs.values() if j is not job and j.name == job.name
                        and j.user_name == job.user_name and j.running]
                results.append("wait" if same else "ok")
                continue
            for dep_id in ids.split(":"):
                dep_id = dep_id.split("+")[0]
                if not dep_id:
                    continue
                deps = self._dependency_targets(dep_id)
                for dep in deps:
                    results.append(_dep_result(kind, dep))
        if not results:
            return "ok"
        if any_of:
            return "ok" if "ok" in results else ("wait" if "wait" in results else "never")
        return "never" if "never" in results else ("wait" if "wait" in results else "ok")

    def _dependency_targets(self, dep_id: str) -> list[Job]:
        base, _, task = dep_id.partition("_")
        if not base.isdecimal():
            return []
        base_id = int(base)
        jobs = [j for j in self.jobs.values() if j.array_job_id == base_id and j.array_task_id is not None
                and (not task or str(j.array_task_id) == task)]
        arr = self.arrays.get(base_id)
        if arr is not None and arr.pending and (not task or int(task) in arr.pending):
            jobs.append(arr.job)
        if not jobs:
            one = self.jobs.get(base_id) or self.accounting.job_object(base_id)
            jobs = [one] if one is not None else []
        return jobs

    # ---- submit -------------------------------------------------------------------------------------------
    def submit(self, desc, as_user: str, *, source: str = "_job_post") -> SubmitResult:
        self.sync()
        descs = desc if isinstance(desc, list) else [desc]
        if not descs or not isinstance(descs[0], dict) or not descs[0].get("script"):
            raise SlurmError(9000, 'Populated "script" field is required for job submission', source)
        warnings: list = []
        first = descs[0]
        het = len(descs) > 1
        jobs = [self._make_job(dict(d), as_user, warnings, het=het, offset=off, job_id=self._next_id + off,
                               first=first) for off, d in enumerate(descs)]
        self._next_id += len(jobs)      # everything validated: only now take the ids
        leader = jobs[0]
        if het:
            id_set = f"{leader.job_id}-{jobs[-1].job_id}"
            for off, job in enumerate(jobs):
                job.het_job_id, job.het_job_offset, job.het_job_id_set = leader.job_id, off, id_set
                if "HETEROGENEOUS_JOB" not in job.flags:
                    job.flags = job.flags + ["HETEROGENEOUS_JOB"]
        array = first.get("array")
        if array and not het:
            tasks, max_running = parse_array(str(array))
            leader.array_job_id, leader.array_max_tasks = leader.job_id, max_running
            self.arrays[leader.job_id] = _Array(leader.job_id, tasks, max_running, leader)
        for job in jobs:
            job._sync = self.sync
            self.jobs[job.job_id] = job
            self.accounting.add_job(job)
            self.stats["jobs_submitted"] += 1
            self._touch(job)
        if leader.hold:
            warnings.append(warning("Job is in held state, pending scheduler release", "_job_post"))
        self._push(self._t + float(self.runtime.get("sched_interval", 1)), "sched")
        return SubmitResult(leader.job_id, warnings)

    def allocate(self, desc, as_user: str) -> SubmitResult:
        """job/allocate: a job with no script that holds its nodes until cancelled (salloc)."""
        descs = desc if isinstance(desc, list) else [desc]
        patched = [dict(d, script=d.get("script") or "#!/bin/sh\n#MOCKRESTD --runtime=31536000\n") for d in descs]
        result = self.submit(patched if isinstance(desc, list) else patched[0], as_user,
                             source="_job_post_allocate")
        for job in self._group(result.job_id):
            job.flags = [f for f in job.flags if f != "EXACT_TASK_COUNT_REQUESTED"]
        self._schedule()      # an allocation request is answered at once when resources are free
        return result

    def _make_job(self, d: dict, user: str, warnings: list, *, het: bool, offset: int, job_id: int,
                  first: dict) -> Job:
        # the script comes from the first component; environment and working directory do not (26.05.5:
        # a second component without them fails the whole submission)
        if het and offset:
            d.setdefault("script", first.get("script"))
        failed, source = ("HetJob submission failed", "slurm_submit_batch_het_job()") if het else \
            ("Batch job submission failed", "slurm_submit_batch_job()")
        if not d.get("environment"):
            raise SlurmError(2019, failed, source)
        if not d.get("current_working_directory"):
            raise SlurmError(2063, failed, source)
        flags = []
        part_name = d.get("partition") or ""
        if "," in part_name:
            part_name = part_name.split(",")[0]
        if not part_name:
            part_name = self.default_partition()
            flags += ["USING_DEFAULT_PARTITION"]
        if part_name not in self.partitions:
            raise SlurmError(2000, failed, source)
        part = self.partitions[part_name]
        account = d.get("account")
        if not account:
            account = self.accounting.user_default_account(user) or \
                self.config["cluster"].get("default_account", "default")
            flags.append("USING_DEFAULT_ACCOUNT")
        if not d.get("qos"):
            flags.append("USING_DEFAULT_QOS")
        if not d.get("wckey"):
            flags.append("USING_DEFAULT_WCKEY")
        if "USING_DEFAULT_PARTITION" in flags:
            flags.append("PARTITION_ASSIGNED")
        tasks = _int(d.get("tasks"), 0)
        if tasks:
            flags.insert(0, "EXACT_TASK_COUNT_REQUESTED")
        tasks = tasks or 1
        cpt = max(1, _int(d.get("cpus_per_task"), 1))
        min_nodes, max_nodes = _node_range(d)
        cpus = max(tasks * cpt, _int(d.get("minimum_cpus"), 0))
        time_limit = d.get("time_limit")
        if time_limit is None:
            time_limit = part.default_time if part.default_time is not None else part.max_time
        mem_node = d.get("memory_per_node") if _is_num(d.get("memory_per_node")) else None
        mem_cpu = d.get("memory_per_cpu") if _is_num(d.get("memory_per_cpu")) else None
        if mem_node is None and mem_cpu is None:
            mem_cpu = part.def_mem_per_cpu
        hold = "user" if d.get("hold") else None
        if d.get("priority") == 0 and not hold:
            hold = "admin" if self.is_operator(user) else "user"
        gres_per_node = _gres(d.get("tres_per_node"))
        for name, (gtype, count) in _gres(d.get("tres_per_socket")).items():
            gres_per_node[name] = [gtype, count * max(1, _int(d.get("sockets_per_node"), 1))]
        gres_per_job = _gres(d.get("tres_per_job"))
        for name, (gtype, count) in _gres(d.get("tres_per_task")).items():
            gres_per_job[name] = [gtype, count * tasks]
        begin = d.get("begin_time") if _is_num(d.get("begin_time")) else None
        name = d.get("name") or ""          # a hetjob's later components have "" unless named
        uid = self.uid(user)
        job = Job(
            job_id=job_id, desc=d, user_name=user, user_id=uid, group_name=user, group_id=uid,
            account=account, partition=part_name, qos=d.get("qos") or "normal", submit_time=self._t,
            plan=plan_for(d.get("script"), self.runtime), cluster=self.name,
            association_id=self.accounting.association_id(user, account) or 0,
            cpus=cpus, tasks=tasks, cpus_per_task=cpt, min_nodes=min_nodes, max_nodes=max_nodes,
            memory_per_node=mem_node, memory_per_cpu=mem_cpu, gres_per_node=gres_per_node,
            gres_per_job=gres_per_job, time_limit=time_limit, name=str(name),
            comment=d.get("comment") or "", admin_comment=d.get("admin_comment") or "",
            priority=self._base_priority(d, user), hold=hold, dependency=str(d.get("dependency") or ""),
            licenses=",".join(f"{n}:{c}" for n, c in licenses_of(d.get("licenses"))),
            begin_time=begin, flags=flags,
            eligible_time=None if (hold or d.get("dependency")) else max(self._t, begin or 0),
        )
        job.submit_line = ""
        for lic, _ in licenses_of(job.licenses):
            if lic not in self.licenses:
                raise SlurmError(2048, "Batch job submission failed: Invalid license specification",
                                 "slurm_submit_batch_job()")
        if d.get("reservation") and d["reservation"] not in self.reservations:
            raise SlurmError(2053, "Batch job submission failed: Requested reservation is invalid",
                             "slurm_submit_batch_job()")
        if not self._could_ever_fit(job):
            warnings.append(warning("Requested node configuration is not available", "_job_post"))
        return job

    def _base_priority(self, d: dict, user: str) -> int:
        prio = d.get("priority")
        if _is_num(prio) and prio and self.is_operator(user):
            return int(prio)
        qos = self.accounting.qos(d.get("qos") or "normal") if hasattr(self.accounting, "qos") else None
        return 1 + int((qos or {}).get("priority", 0) or 0)

    def default_partition(self) -> str:
        for p in self.partitions.values():
            if p.default:
                return p.name
        return next(iter(self.partitions))

    # ---- reading jobs ---------------------------------------------------------------------------------
    def _visible(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.job_id)

    def _record(self, job: Job) -> dict:
        return self._ref(job).record()

    def _ref(self, job: Job) -> RecordRef:
        """The job's record, made on demand, and its revision: everything `Job.record` reads. The job's own
        fields (`_rev`), the array's pending tasks, what the clock does to it (`states(now)`: COMPLETING
        until `completing_until`), and the layout of the nodes it holds or held (a finished job keeps its
        job_resources; its nodes may be deleted or made again since). `last_sched_evaluation`, which every
        scheduler pass rewrites for every pending job, is not in it: it comes beside it, as volatile."""
        arr = self.arrays.get(job.job_id)
        pending = arr.task_string() if arr is not None and job is arr.job else None
        now, nodes = self._t, self.nodes
        held = job._held_nodes()
        layout = tuple(_layout(nodes.get(name)) for name in held) if held else ()
        return RecordRef((job._rev, pending, tuple(job.states(now)), layout),
                         lambda: job.record(array_pending=pending, nodes_conf=nodes, now=now),
                         {"last_sched_evaluation": int(job.last_eval or 0)})

    def job_records(self, as_user=None, update_time=None, *, lazy: bool = False) -> list:
        """GET /jobs/: every job the controller shows; with `update_time`, nothing when nothing changed since.
        `lazy`: `RecordRef`s instead of records, so a reader can skip the jobs it has already seen."""
        self.sync()
        if update_time is not None and self.last_job_update <= update_time:
            return []
        return [self._ref(j) if lazy else self._record(j) for j in self._visible()]

    def _parse_id(self, job_id) -> tuple[int, str | None, int | None]:
        m = re.fullmatch(r"(\d+)(?:([_+])(\d+))?", str(job_id).strip())
        if not m:
            raise SlurmError(9000, f"Unable to parse job id: {job_id}", "_parse_job_id")
        return int(m.group(1)), m.group(2), int(m.group(3)) if m.group(3) else None

    def _group(self, base: int) -> list[Job]:
        """The job and everything that shares its array or hetjob, in id order."""
        job = self.jobs.get(base)
        if job is not None and job.array_job_id and job.array_job_id != base:
            base = job.array_job_id
        if job is not None and job.het_job_id and job.het_job_id != base:
            base = job.het_job_id
        return [j for j in self._visible()
                if j.job_id == base or j.array_job_id == base or (j.het_job_id and j.het_job_id == base)]

    def job_lookup(self, job_id: str, *, lazy: bool = False):
        """GET /job/{id}: "12" (job, whole array or hetjob), "12_3" (whole array + warning), "12+1"."""
        self.sync()
        warnings = []
        if "_" in str(job_id):
            warnings.append(warning("Job array Ids are not currently supported for job searches. Showing all "
                                    "jobs in array instead.", "_handle_job_get"))
        if "." in str(job_id):
            warnings.append(warning("Job steps are not supported for job searches. Showing whole job instead.",
                                    "_handle_job_get"))
        base, sep, sub = self._parse_id(str(job_id).split(".")[0])
        members = self._group(base)
        if sep == "+":
            members = [j for j in members if j.het_job_offset == sub]
        if not members:
            raise SlurmError(2017, f"Unable to query JobId={job_id}", "_handle_job_get", warnings=warnings)
        return [self._ref(j) if lazy else self._record(j) for j in members], warnings

    def jobs_state(self, job_ids=None) -> list[dict]:
        """GET /jobs/state: array tasks one per task ("<own id>_<task>"), hetjob components "<id>+<offset>"."""
        self.sync()
        out = []
        wanted = None
        if job_ids:
            wanted = set()
            for jid in job_ids:
                try:
                    wanted.add(self._parse_id(jid)[0])
                except SlurmError:
                    continue
        for job in self._visible():
            if wanted is not None and not ({job.job_id, job.array_job_id, job.het_job_id} & wanted):
                continue
            arr = self.arrays.get(job.job_id)
            if arr is not None and job is arr.job:
                out += [{"job_id": f"{job.job_id}_{t}", "state": job.states(self._t)} for t in arr.pending]
                continue
            out.append({"job_id": job.id_string(), "state": job.states(self._t)})
        return out

    def job_resources(self, job_id: str) -> list[dict]:
        """GET resources/{id}: the node_resource_layout of a running job."""
        self.sync()
        base, _, _ = self._parse_id(job_id)
        job = self.jobs.get(base)
        if job is None:
            raise SlurmError(2017, f"Unable to query JobId={job_id}", "slurm_get_job_resources()")
        if not job.alloc:
            raise SlurmError(2024 if job.pending else 2021, f"JobId={job_id} holds no resources",
                             "slurm_get_job_resources()")
        out = []
        for name, (cpus, mem, gres, cpu_ids) in job.alloc.items():
            node = self.nodes.get(name)
            if node is None:
                continue
            out.append({"node": name, "sockets_per_node": node.sockets, "cores_per_socket": node.cores_per_socket,
                        "mem_alloc": mem, "core_bitmap": _bitmap(cpu_ids), "channel": None,
                        "gres": [{"name": s[0], "type": s[1], "index": str(s[2]), "count": 1} for s in gres]})
        return out

    # ---- changing jobs -------------------------------------------------------------------------------
    def update_job(self, job_id: str, desc: dict, as_user: str) -> list:
        """POST /job/{id}. Pending: most fields; running: name/comment, lower time_limit; finished: 2084."""
        self.sync()
        base, sep, sub = self._parse_id(job_id)
        members = self._group(base)
        if sep == "+":
            members = [j for j in members if j.het_job_offset == sub]
        elif sep == "_":
            members = [j for j in members if j.array_task_id == sub] or \
                [j for j in members if j.job_id == base and sub in getattr(self.arrays.get(base), "pending", [])]
        if not members:
            raise SlurmError(2017, "Job update requested failed", "slurm_update_job2()")
        job = self.jobs.get(base) if base in self.jobs and self.jobs[base] in members else members[0]
        operator = self.is_operator(as_user)
        if job.user_name != as_user and not operator:
            raise SlurmError(2002, "Job update requested failed", "slurm_update_job2()")
        if job.finished:
            raise SlurmError(2084, "Job update requested failed", "slurm_update_job2()")
        changes = {k: v for k, v in desc.items() if v is not None}
        if job.running:
            if any(k in changes for k in ("tasks", "cpus_per_task", "partition", "minimum_nodes", "nodes",
                                          "memory_per_cpu", "memory_per_node", "minimum_cpus", "account", "qos",
                                          "dependency", "begin_time", "required_nodes", "tres_per_node")):
                raise SlurmError(2073, "Job update requested failed", "slurm_update_job2()")
        if "time_limit" in changes and not operator and _raises(job.time_limit, changes["time_limit"]):
            raise SlurmError(2002, "Job update requested failed", "slurm_update_job2()")
        if "partition" in changes and changes["partition"] not in self.partitions:
            raise SlurmError(2000, "Job update requested failed", "slurm_update_job2()")
        releasing = ("hold" in changes and not changes["hold"]) or \
            ("priority" in changes and changes["priority"] not in (0, None))
        if releasing and not operator and any(j.hold == "admin" for j in members):
            raise SlurmError(2002, "Job update requested failed", "slurm_update_job2()")
        targets = [job] if "name" in changes or len(members) == 1 or sep else \
            [j for j in members if not j.finished]
        for j in targets:
            self._apply(j, changes, operator, as_user)
            self._touch(j)
        self._push(self._t, "sched")
        return []

    def _apply(self, job: Job, changes: dict, operator: bool, user: str) -> None:
        if "name" in changes:
            job.name = str(changes["name"])
        if "comment" in changes:
            job.comment = str(changes["comment"])
        if "admin_comment" in changes and operator:
            job.admin_comment = str(changes["admin_comment"])
        if job.pending:
            if "tasks" in changes:
                job.tasks = max(1, _int(changes["tasks"], job.tasks))
            if "cpus_per_task" in changes:
                job.cpus_per_task = max(1, _int(changes["cpus_per_task"], job.cpus_per_task))
            if "tasks" in changes or "cpus_per_task" in changes:
                job.cpus = job.tasks * job.cpus_per_task
            if "minimum_nodes" in changes or "nodes" in changes:
                job.min_nodes, job.max_nodes = _node_range({**job.desc, **changes})
            if "partition" in changes:
                job.partition = changes["partition"]
            if "dependency" in changes:
                job.dependency = str(changes["dependency"])
            if "begin_time" in changes and _is_num(changes["begin_time"]):
                job.begin_time = changes["begin_time"]
                job.eligible_time = max(self._t, job.begin_time)
            for key in ("required_nodes", "excluded_nodes", "constraints", "standard_output", "standard_error"):
                if key in changes:
                    job.desc = {**job.desc, key: changes[key]}     # replaced: a new revision
        if "time_limit" in changes:
            job.time_limit = changes["time_limit"]
            if job.running:
                self._plan_end(job)
        if "hold" in changes:
            if changes["hold"]:
                job.hold = job.hold or ("admin" if operator and user != job.user_name else "user")
            else:
                job.hold = None
        if "priority" in changes:
            prio = changes["priority"]
            if prio == 0:
                job.hold = "admin" if operator else "user"
            else:
                job.hold = None
                if operator and _is_num(prio):
                    job.priority = int(prio)
        if job.pending:
            if job.hold:
                job.reason = "JobHeldUser" if job.hold == "user" else "JobHeldAdmin"
                job.eligible_time = job.accrue_time = None
            elif job.reason in ("JobHeldUser", "JobHeldAdmin"):
                job.reason = "None"

    def signal_job(self, job_id: str, signal=None, flags=(), as_user: str = "root") -> list[dict]:
        """DELETE /job/{id}: cancel (no signal / KILL) or deliver a signal; problems are status entries."""
        self.sync()
        flags = [str(f).upper() for f in (flags or [])]
        for f in flags:
            if f not in KILL_FLAGS:
                raise SlurmError(9207, f"Unknown flag \"{f}\"", "_parse_flag")
        try:
            base, sep, sub = self._parse_id(job_id)
        except SlurmError:
            return [_status(job_id, 2017, "Invalid job id specified", known=False)]
        out = []
        signum = None
        if signal not in (None, ""):
            signum = signal_number(signal)
            if signum is None:
                raise SlurmError(9202, f"Unknown signal {signal!r}", "#/signal/")
        targets = self._signal_targets(base, sep, sub)
        if targets is None:
            return out + [_status(job_id, 2017, "Invalid job id specified", known=False)]
        if all(j.finished for j in targets):
            return out + [_status(job_id, 2021, "Job/step already completing or completed")]
        for job in targets:
            if job.finished:
                continue
            if job.user_name != as_user and not self.is_operator(as_user):
                out.append(_status(job.id_string(), 2002, "Access/permission denied"))
                continue
            if signum is None or (signum == SIGNALS["KILL"] and "BATCH_JOB" not in flags):
                self._cancel(job, as_user, hurry="HURRY" in flags)
            else:
                problem = self._deliver(job, signum, batch_only="BATCH_JOB" in flags)
                if problem:
                    out.append(_status(job.id_string(), problem, error_text(problem)))
        return out

    def _signal_targets(self, base: int, sep, sub) -> list[Job] | None:
        """The jobs an id names for signalling; "A_T" is just that task (split out if it still pends)."""
        members = self._group(base)
        if not members:
            return None
        if sep == "+":
            return [j for j in members if j.het_job_offset == sub] or None
        if sep == "_":
            found = [j for j in members if j.array_task_id == sub]
            if found:
                return found
            arr = self.arrays.get(base)
            if arr is None or sub not in arr.pending:
                return None
            if arr.pending == [sub]:                     # the last one: the array's own record is the task
                arr.pending = []
                arr.job.array_task_id = sub
                del self.arrays[base]
                return [arr.job]
            arr.pending.remove(sub)
            task = self._split_task(arr.job, sub)
            arr.task_jobs.append(task)
            return [task]
        return members

    def _cancel(self, job: Job, user: str, hurry: bool = False) -> None:
        job.kill_request_user = user
        if job.pending:
            job.end("cancelled_pending", self._t, return_code=0)
        else:
            job.end("cancelled", self._t, signal=SIGNALS["TERM"],
                    completing=0.0 if hurry else self._completing_time())
        self._finish(job)

    def _deliver(self, job: Job, signum: int, batch_only: bool = False) -> int | None:
        """What the job's processes do with the signal, as its plan says; returns an error code or None."""
        if job.pending:
            return 2020       # slurmctld: only SIGKILL applies to a pending job
        name = SIGNAL_NAMES.get(signum, "")
        action, code = job.plan.reaction(name, name in job.swallowed, batch_only)
        if name in job.plan.swallow_once and action == "ignore":
            job.swallowed.add(name)
        if action == "ignore":
            return None
        if action == "stop":
            if not job.stopped:
                job.run_left = max(0.0, job.resumed_at + job.run_left - self._t)
                job.stopped = True
                self._plan_end(job)
            return None
        if action == "continue":
            if job.stopped:
                job.stopped, job.resumed_at = False, self._t
                self._plan_end(job)
            return None
        if action == "exit":
            job.end("failed" if code else "completed", self._t, return_code=code)
        else:
            job.end("signaled", self._t, signal=signum)
        self._finish(job)
        return None

    def kill_jobs(self, filters: dict, as_user: str) -> list[dict]:
        """DELETE /jobs/: signal what the filters select; status entries only for what could not be."""
        self.sync()
        signal = filters.get("signal")
        flags = [str(f).upper() for f in (filters.get("flags") or [])]
        out, targets = [], []
        operator = self.is_operator(as_user)
        listed = [str(j) for j in (filters.get("jobs") or [])]
        if listed:
            for jid in listed:
                try:
                    base, sep, sub = self._parse_id(jid)
                except SlurmError:
                    out.append(_status(jid, 2017, "Invalid job id specified", known=False))
                    continue
                members = self._group(base)
                if not members:
                    out.append(_status(jid, 2017, "Invalid job id specified", known=False))
                elif all(m.finished for m in members):
                    out.append(_status(jid, 2021, "Job/step already completing or completed"))
                else:
                    targets.append(jid)
        else:
            states = {str(s).upper() for s in (filters.get("job_state") or [])}
            nodes = set(_names(filters.get("nodes")))
            for job in self._visible():
                if job.finished or (states and job.state not in states):
                    continue
                if not _matches(job, filters) or (nodes and not nodes & set(job.alloc)):
                    continue
                if not operator and job.user_name != as_user:
                    continue
                if job.array_job_id and job.array_job_id != job.job_id and job.array_job_id in self.jobs:
                    continue        # the array's own id signals its tasks
                targets.append(str(job.job_id))
        for jid in targets:
            out += [s for s in self.signal_job(jid, signal, flags, as_user) if s["error"]["code"] != 2021]
        return out

    def requeue(self, job_ids, flags=(), as_user: str = "root") -> list[dict]:
        """GET /job/{id}/requeue, POST /jobs/requeue (v0.0.45): a running or finished batch job starts over
        as a new run of the same id; a running one first waits REQUEUE_DELAY seconds (reason BeginTime), as
        slurmctld lets its nodes clean up. Hold / SpecialExit leave it held. The first failure raises."""
        self.sync()
        flags = {str(f).upper() for f in flags or ()}
        if not job_ids:
            raise SlurmError(2017, "Query missing JobIds", "op_handler_jobs_requeue", bare=True)
        plans = []
        for job_id in job_ids:       # check everything first: a failed request changes nothing
            try:
                base, sep, sub = self._parse_id(job_id)
            except SlurmError:
                raise SlurmError(2017, f"Requeue JobId={job_id} failed", "op_handler_job_requeue") from None
            targets = self._group(base)
            if sep == "+":
                targets = [j for j in targets if j.het_job_offset == sub]
            elif sep == "_":
                targets = [j for j in targets if j.array_task_id == sub]
            if not targets:
                raise SlurmError(2017, f"Requeue JobID={job_id} failed", "op_handler_job_requeue")
            if any(j.user_name != as_user for j in targets) and not self.is_operator(as_user):
                raise SlurmError(2002, f"Requeue JobID={job_id} failed", "op_handler_job_requeue")
            runs = [j for j in targets if not j.pending and not (self.arrays.get(j.job_id) and
                                                                   self.arrays[j.job_id].job is j)]
            if "INCOMPLETE" in flags:
                runs = [j for j in runs if j.running]
            if not runs:
                code = 2024 if any(j.pending for j in targets) else 2021
                raise SlurmError(code, f"Requeue JobID={job_id} failed", "op_handler_job_requeue")
            plans += runs
        if "SPECIALEXIT" in flags and "HOLD" not in flags:      # checked after the jobs, as 26.05.5 does
            raise SlurmError(9009, "SpecialExit requires Hold mode", "op_handler_job_requeue", bare=True)
        delay = float(self.runtime.get("requeue_delay", REQUEUE_DELAY))
        completing = self._completing_time()
        for job in plans:
            was_running = job.running
            if was_running:       # its processes are killed first: COMPLETING, its nodes still shown
                self._release(job, completing)
                job.end_time = self._t        # the accounting record of this run ends now
                job.kill_request_user = as_user
            self.accounting.record_requeue(job)
            held = job.last_alloc if was_running else {}
            job.requeue(self._t, begin_delay=delay if was_running else 0.0, hold="HOLD" in flags,
                        special_exit="SPECIALEXIT" in flags)
            if was_running and completing:
                job.completing_until, job.last_alloc = self._t + completing, held
                job.reason = job.reason if job.hold else "None"
                self._push(job.completing_until, "uncomplete", job.job_id)
            self._touch(job)
            if job.begin_time:
                self._push(job.begin_time, "sched")
        self._push(self._t + float(self.runtime.get("sched_interval", 1)), "sched")
        return []

    # ---- nodes, partitions, reservations, licenses --------------------------------------------------
    def node_records(self) -> list[dict]:
        self.sync()
        return [n.record(self) for n in self.nodes.values()]

    def node_record(self, name: str):
        self.sync()
        node = self.nodes.get(name)
        return node.record(self) if node else None

    def _operator_only(self, as_user: str, source: str, code: int = 2010):
        if not self.is_operator(as_user):
            raise SlurmError(code, error_text(code), source)

    def update_nodes(self, names, desc: dict, as_user: str) -> list:
        """POST node(s): operators only (2010); DRAIN needs no reason; jobs keep running on a drained node."""
        self.sync()
        self._operator_only(as_user, "slurm_update_node()")
        if isinstance(names, str):
            names = [names]
        names = [n for name in names for n in expand(name)]
        missing = [n for n in names if n not in self.nodes]
        if missing or not names:
            raise SlurmError(2018, f"Invalid node name specified: {','.join(missing) or '(none)'}",
                             "slurm_update_node()")
        for name in names:
            self.nodes[name].update(desc, as_user, self._t)
        self._push(self._t, "sched")
        return []

    def create_node(self, node_conf: str, as_user: str) -> None:
        """POST new/node: `NodeName=x CPUs=4 RealMemory=1000 Gres=gpu:2 Feature=a,b State=CLOUD|FUTURE`."""
        self.sync()
        self._operator_only(as_user, "slurm_create_node()")
        fields = {k.lower(): v for k, v in (tok.split("=", 1) for tok in str(node_conf).split() if "=" in tok)}
        names = expand(fields.get("nodename", ""))
        if not names:
            raise SlurmError(9000, "NodeName= is required", "slurm_create_node()")
        for name in names:
            if name in self.nodes:
                raise SlurmError(2018, f"Node {name} already exists", "slurm_create_node()")
        for name in names:
            cpus = int(fields.get("cpus", fields.get("procs", 1)))
            sockets = int(fields.get("sockets", 1))
            self.nodes[name] = Node.from_config(name, {
                "cpus": cpus, "real_memory": int(fields.get("realmemory", 1)), "sockets": sockets,
                "cores_per_socket": int(fields.get("corespersocket", max(1, cpus // sockets))),
                "threads_per_core": int(fields.get("threadspercore", 1)),
                "features": [f for f in fields.get("features", fields.get("feature", "")).split(",") if f],
                "gres": fields.get("gres", ""), "state": fields.get("state", ""),
                "weight": int(fields.get("weight", 1))}, self._t)
            for part in fields.get("partitions", fields.get("partition", "")).split(","):
                if part in self.partitions and name not in self.partitions[part].node_names:
                    self.partitions[part].node_names.append(name)
        self._push(self._t, "sched")

    def delete_node(self, name: str, as_user: str) -> None:
        self.sync()
        self._operator_only(as_user, "slurm_delete_node()")
        node = self.nodes.get(name)
        if node is None:
            raise SlurmError(2018, f"Invalid node name specified: {name}", "slurm_delete_node()")
        if node.jobs:
            raise SlurmError(2016, f"Node {name} has jobs running", "slurm_delete_node()")
        del self.nodes[name]
        for part in self.partitions.values():
            if name in part.node_names:
                part.node_names.remove(name)

    def partition_records(self) -> list[dict]:
        self.sync()
        return [p.record(self) for p in self.partitions.values()]

    def partition_record(self, name: str):
        self.sync()
        p = self.partitions.get(name)
        return p.record(self) if p else None

    def update_partitions(self, descs: list, as_user: str) -> None:
        """POST /partitions/ (v0.0.45): create or update partitions from partition_info descriptions, like
        `scontrol create|update partition`; operators only."""
        self.sync()
        for index, desc in enumerate(descs or []):
            desc = desc or {}
            name = desc.get("name")
            if not name:
                raise SlurmError(2000, f"The partition description at index {index} must specify a name. "
                                       "Skipping", "_foreach_create_update_partition")
            existing = self.partitions.get(name)
            if not self.is_operator(as_user):
                verb = "update" if existing else "create"
                raise SlurmError(2010, f"Failed to {verb} partition {name} with description at index {index}",
                                 f"slurm_{verb}_partition")
            nodes = (desc.get("nodes") or {}).get("configured")
            names = None
            if nodes:
                names = list(self.nodes) if nodes == "ALL" else _names(nodes)
                if any(n not in self.nodes for n in names):
                    raise SlurmError(2018, f"Failed to update partition {name} with description at index "
                                           f"{index}", "slurm_update_partition")
            part = existing or Partition(name, [], def_mem_per_cpu=self.config["cluster"].get("def_mem_per_cpu"))
            if names is not None:
                part.node_names = names
            maximums, defaults = desc.get("maximums") or {}, desc.get("defaults") or {}
            if maximums.get("time") is not None:
                part.max_time = maximums["time"]
            if maximums.get("nodes") is not None:
                part.max_nodes = maximums["nodes"]
            if defaults.get("time") is not None:
                part.default_time = defaults["time"]
            state = (desc.get("partition") or {}).get("state")
            if state:
                part.state = str(state[0] if isinstance(state, list) else state).upper()
            if "DEFAULT" in [str(f).upper() for f in (desc.get("partition") or {}).get("flags") or []]:
                for other in self.partitions.values():
                    other.default = False
                part.default = True
            self.partitions[name] = part
        self._push(self._t, "sched")

    def delete_partition(self, name: str, as_user: str) -> None:
        """DELETE /partition/{name} (v0.0.45): refused while jobs are queued or running in it."""
        self.sync()
        if not self.is_operator(as_user):
            raise SlurmError(2010, "Unable to delete partition", "slurm_delete_partition()")
        if name not in self.partitions:
            raise SlurmError(2000, "Unable to delete partition", "slurm_delete_partition()")
        if any(j.partition == name and not j.finished for j in self.jobs.values()):
            raise SlurmError(2075, "Unable to delete partition", "slurm_delete_partition()")
        del self.partitions[name]

    def reservation_records(self) -> list[dict]:
        self.sync()
        return [r.record() for r in self.reservations.values() if not r.over(self._t)]

    def reservation_record(self, name: str):
        self.sync()
        r = self.reservations.get(name)
        return r.record() if r and not r.over(self._t) else None

    def create_reservation(self, desc: dict, as_user: str) -> dict:
        """POST reservation: operators only; an existing name is updated; answers the request back."""
        self.sync()
        self._operator_only(as_user, "slurm_create_reservation()", 2002)
        self._add_reservation(desc, check=True)
        self._push(self._t, "sched")
        return desc

    def _add_reservation(self, desc: dict, check: bool = False) -> Reservation:
        name = desc.get("name") or f"resv{len(self.reservations) + 1}"
        existing = self.reservations.get(name)
        node_list = desc.get("node_list")
        nodes = expand(node_list if isinstance(node_list, str) else ",".join(node_list or []))
        if not nodes and existing:
            nodes = existing.nodes
        if not nodes:
            count = _int(desc.get("node_count"), 1)
            part = self.partitions.get(desc.get("partition") or "")
            pool = part.node_names if part else list(self.nodes)
            nodes = [n for n in pool if n in self.nodes and not self.nodes[n].jobs][:count] or pool[:count]
        if any(n not in self.nodes for n in nodes):
            raise SlurmError(2018, "Invalid node name specified", "slurm_create_reservation()")
        start = desc.get("start_time")
        start = float(start) if _is_num(start) else (existing.start if existing else self._t)
        duration, end = desc.get("duration"), desc.get("end_time")
        if _is_num(end):
            end = float(end)
        elif _is_num(duration):
            end = start + duration * 60
        elif existing:
            end = existing.end
        else:
            end = start + 365 * 86400
        flags = [str(f).upper() for f in desc.get("flags") or (existing.flags if existing else [])]
        users = _as_list(desc.get("users")) or (existing.users if existing else [])
        accounts = _as_list(desc.get("accounts")) or (existing.accounts if existing else [])
        if check:
            if not users and not accounts and not _as_list(desc.get("groups")):
                raise SlurmError(2080, "Reservation request lacks users, groups or accounts",
                                 "slurm_create_reservation()")
            for other in self.reservations.values():
                if other.name != name and set(other.nodes) & set(nodes) and other.start < end \
                        and start < other.end and "OVERLAP" not in flags and "MAINT" not in flags:
                    raise SlurmError(2058, "Requested reservation overlaps with another reservation",
                                     "slurm_create_reservation()")
            if "IGNORE_JOBS" not in flags and not existing and \
                    any(self._job_overlaps(j, start, end) for n in nodes for j in self.nodes[n].jobs):
                raise SlurmError(2016, "Requested nodes are busy", "slurm_create_reservation()")
        resv = Reservation(name, nodes, start, end, users, accounts, flags, desc.get("partition") or "",
                           sum(self.nodes[n].cpus for n in nodes),
                           licenses=",".join(f"{n}:{c}" for n, c in licenses_of(desc.get("licenses"))),
                           features=desc.get("features") or "", groups=_as_list(desc.get("groups")))
        self.reservations[name] = resv
        return resv

    def _job_overlaps(self, job_id: int, start: float, end: float) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.start_time is None:
            return True
        job_end = math.inf if job.time_limit is INFINITE else job.start_time + job.time_limit * 60
        return job.start_time < end and start < job_end

    def delete_reservation(self, name: str, as_user: str) -> None:
        self.sync()
        self._operator_only(as_user, "slurm_delete_reservation()", 2002)
        if name not in self.reservations:
            raise SlurmError(2053, "Invalid reservation name specified", "slurm_delete_reservation()")
        del self.reservations[name]
        self._push(self._t, "sched")

    def license_records(self) -> list[dict]:
        self.sync()
        return [lic.record(self._t) for lic in self.licenses.values()]

    def share_records(self, accounts=None, users=None) -> dict:
        self.sync()
        return self.accounting.shares(accounts=accounts, users=users)

    def ping_records(self, down: bool = False) -> list[dict]:
        return [{"hostname": self.control_host, "pinged": "DOWN" if down else "UP", "responding": not down,
                 "latency": 0 if down else 1200, "mode": "primary", "primary": True}]

    def diag_record(self) -> dict:
        """v0.0.44 stats_msg: counters that move with what the cluster did."""
        self.sync()
        states = [j.state for j in self.jobs.values()]
        now = int(self._t)
        s = self.stats
        cycles = max(1, s["schedule_cycles"])
        minutes = max(1.0, (self._t - self.started) / 60)
        return {"parts_packed": 1, "req_time": now, "req_time_start": int(self.started),
                "server_thread_count": 3, "agent_queue_size": 0, "agent_count": 0, "agent_thread_count": 0,
                "dbd_agent_queue_size": 0, "gettimeofday_latency": 12, "schedule_cycle_max": 900,
                "schedule_cycle_last": 120, "schedule_cycle_sum": 120 * s["schedule_cycles"],
                "schedule_cycle_total": s["schedule_cycles"], "schedule_cycle_mean": 120,
                "schedule_cycle_mean_depth": s["last_cycle_depth"],
                "schedule_cycle_per_minute": int(s["schedule_cycles"] / minutes),
                "schedule_cycle_depth": s["last_cycle_depth"], "schedule_exit": {},
                "schedule_queue_length": states.count("PENDING"),
                "jobs_submitted": s["jobs_submitted"], "jobs_started": s["jobs_started"],
                "jobs_completed": s["jobs_completed"], "jobs_canceled": s["jobs_canceled"],
                "jobs_failed": s["jobs_failed"], "jobs_pending": states.count("PENDING"),
                "jobs_running": states.count("RUNNING"), "job_states_ts": now,
                "bf_backfilled_jobs": 0, "bf_last_backfilled_jobs": 0, "bf_backfilled_het_jobs": 0,
                "bf_cycle_counter": cycles, "bf_cycle_mean": 150, "bf_depth_mean": 0, "bf_depth_mean_try": 0,
                "bf_cycle_sum": 150 * cycles, "bf_cycle_last": 150, "bf_cycle_max": 150, "bf_exit": {},
                "bf_last_depth": 0, "bf_last_depth_try": 0, "bf_depth_sum": 0, "bf_depth_try_sum": 0,
                "bf_queue_len": states.count("PENDING"), "bf_queue_len_sum": 0, "bf_table_size": 0,
                "bf_table_size_sum": 0, "bf_when_last_cycle": now, "bf_active": False,
                "rpcs_by_message_type": [{"type_id": 2003, "message_type": "REQUEST_JOB_INFO",
                                          "count": s["rpcs"], "queued": 0, "dropped": 0, "cycle_last": 0,
                                          "cycle_max": 0, "total_time": s["rpcs"] * 150,
                                          "average_time": 150}],
                "rpcs_by_user": [{"user_id": 0, "user": "root", "count": s["rpcs"], "total_time": s["rpcs"] * 150,
                                  "average_time": 150}],
                "pending_rpcs": [], "pending_rpcs_by_hostlist": []}

    @property
    def next_job_id(self) -> int:
        return self._next_id

    def slurm_conf(self, release: str | None = None) -> tuple[dict, dict]:
        """GET /conf (v0.0.45): (slurm_conf, slurm_conf_meta)."""
        self.sync()
        return conf.slurm_conf(self, release)

    def slurmdbd_conf(self) -> dict:
        return conf.slurmdbd_conf(self)

    def reconfigure(self, as_user: str) -> None:
        self.sync()
        self._operator_only(as_user, "slurm_reconfigure()")

    # ---- snapshot -------------------------------------------------------------------------------------
    _STATE_FIELDS = ("name", "release", "slurm_user", "operators", "min_job_age", "strict_users", "control_host",
                     "runtime", "started", "nodes", "partitions", "licenses", "reservations", "_next_id", "_events",
                     "_sched_times", "_seq", "last_job_update", "stats")

    def snapshot(self) -> dict:
        """The whole state as plain JSON (no pickles: a snapshot may come back over the control API)."""
        self.sync()
        table: dict = {}
        enc = Encoder(table)
        state = {k: enc(getattr(self, k)) for k in self._STATE_FIELDS}
        state["jobs"] = sorted(self.jobs)
        state["arrays"] = [{"array_id": a.array_id, "pending": a.pending, "max_running": a.max_running,
                            "job": a.job.job_id, "task_jobs": [j.job_id for j in a.task_jobs]}
                           for a in self.arrays.values()]
        for j in self.jobs.values():
            table.setdefault(j.job_id, j)
        for a in self.arrays.values():
            for j in [a.job, *a.task_jobs]:
                table.setdefault(j.job_id, j)
        acc = self.accounting
        if hasattr(acc, "to_state"):
            state["accounting"] = acc.to_state(enc)
        else:
            state["accounting"] = {k: enc(v) for k, v in vars(acc).items() if k not in ("clock", "jobs")
                                   and not callable(v)}
            state["accounting_jobs"] = sorted(acc.jobs)
            for job_id, j in acc.jobs.items():
                table.setdefault(job_id, j)
        job_table = {}
        while len(job_table) < len(table):          # encoding jobs may reveal no new ones, but be safe
            for job_id in sorted(set(table) - set(job_table)):
                job_table[job_id] = enc.fields(table[job_id])
        return {"format": SNAPSHOT_FORMAT, "cluster": self.name, "time": self._t, "config": self.config,
                "job_table": [job_table[k] for k in sorted(job_table)], "state": state}

    @classmethod
    def restore(cls, snap: dict, clock=None) -> "Cluster":
        if not isinstance(snap, dict) or snap.get("format") != SNAPSHOT_FORMAT:
            raise ValueError("not a mockrestd snapshot (format %s expected)" % SNAPSHOT_FORMAT)
        cluster = cls(snap["config"], clock or Clock())
        jobs: dict = {}
        dec = Decoder(jobs)
        for fields in snap["job_table"]:
            job = dec.build("Job", fields)
            job._sync = cluster.sync
            jobs[job.job_id] = job
        state = snap["state"]
        for k in cls._STATE_FIELDS:
            if k in state:
                setattr(cluster, k, dec(state[k]))
        cluster.operators = tuple(cluster.operators)
        cluster._events = [tuple(e) for e in cluster._events]
        heapq.heapify(cluster._events)
        cluster.jobs = {i: jobs[i] for i in state["jobs"]}
        cluster.arrays = {}
        for a in state["arrays"]:
            arr = _Array(a["array_id"], a["pending"], a["max_running"], jobs[a["job"]])
            arr.task_jobs = [jobs[i] for i in a["task_jobs"]]
            cluster.arrays[arr.array_id] = arr
        acc = cluster.accounting
        if hasattr(acc, "from_state") and "accounting_jobs" not in state:
            cluster.accounting = type(acc).from_state(state["accounting"], dec, cluster.name, cluster.clock, jobs)
        else:
            for k, v in state["accounting"].items():
                setattr(acc, k, dec(v))
            acc.jobs = {i: jobs[i] for i in state.get("accounting_jobs", [])}
        cluster._t = max(cluster._t, float(snap.get("time", 0)))
        return cluster


def parse_array(spec: str) -> tuple[list[int], int]:
    """"1-3", "0-5:2%1", "1,3,5", "100" → task ids and the %limit (0: none)."""
    spec, _, limit = str(spec).partition("%")
    tasks: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        rng, _, step = part.partition(":")
        lo, _, hi = rng.partition("-")
        if not lo.isdecimal() or (hi and not hi.isdecimal()) or (step and not step.isdecimal()) or step == "0" \
                or (hi and int(hi) < int(lo)):
            raise SlurmError(2081, f"Invalid job array specification: {spec}", "_job_post")
        lo_i, hi_i = int(lo), int(hi) if hi else int(lo)
        tasks += list(range(lo_i, hi_i + 1, int(step) if step else 1))
    if not tasks or (limit and not limit.isdecimal()):
        raise SlurmError(2081, f"Invalid job array specification: {spec}", "_job_post")
    return sorted(set(tasks)), int(limit) if limit else 0


def _layout(node) -> tuple | None:
    """What a job's record takes from a node it holds (job_resources' sockets and cores)."""
    return None if node is None else (node.sockets, node.cores_per_socket, node.threads_per_core)


def _dep_result(kind: str, dep: Job) -> str:
    """One dependency clause against one job: "ok", "wait" or "never"."""
    if kind == "after":
        return "wait" if dep.pending else "ok"
    if kind == "afterany":
        return "ok" if dep.finished else "wait"
    if kind == "afterok":
        return "wait" if not dep.finished else ("ok" if dep.state == "COMPLETED" else "never")
    if kind == "afternotok":
        return "wait" if not dep.finished else ("never" if dep.state == "COMPLETED" else "ok")
    if kind == "aftercorr":
        return "ok" if dep.finished else "wait"
    return "ok"


def _status(job_id, code: int, message: str, text: str | None = None, known: bool = True) -> dict:
    """One `kill_jobs_resp_job` entry: slurmctld puts the id asked for in step_id, and the numeric job id
    only for a job it knows (26.05.5: unknown -> job_id unset, step_id "99999")."""
    head = str(job_id).split("_")[0].split("+")[0]
    return {"error": {"string": text or error_text(code), "code": code, "message": message},
            "step_id": str(job_id), "job_id": int(head) if head.isdecimal() and known else None,
            "federation": {"sibling": ""}}


def _matches(job: Job, f: dict) -> bool:
    for key, value in (("account", job.account), ("user_name", job.user_name), ("partition", job.partition),
                       ("job_name", job.name), ("qos", job.qos), ("reservation", job.desc.get("reservation") or ""),
                       ("wckey", job.desc.get("wckey") or "")):
        if f.get(key) and str(f[key]) != value:
            return False
    return not (f.get("user_id") not in (None, "") and str(f["user_id"]) != str(job.user_id))


def _int(value, default: int) -> int:
    if value is None or value is INFINITE or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _is_num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _raises(old, new) -> bool:
    if new is INFINITE:
        return old is not INFINITE
    return old is not INFINITE and _is_num(new) and new > old


def _node_range(d: dict) -> tuple[int, int]:
    """`nodes: "2"` / `"1-3"` or minimum_nodes/maximum_nodes → (min, max; 0 = no max)."""
    text = d.get("nodes")
    if isinstance(text, str) and text.strip():
        lo, _, hi = text.strip().partition("-")
        if lo.isdecimal():
            return max(1, int(lo)), int(hi) if hi.isdecimal() else (0 if hi else int(lo))
    if _is_num(text):
        return max(1, int(text)), int(text)
    return max(1, _int(d.get("minimum_nodes"), 1)), _int(d.get("maximum_nodes"), 0)


def _names(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, list):
        return [n for v in value for n in expand(str(v))]
    return expand(str(value))


def _features(value) -> set:
    return {f for f in re.split(r"[&,]", str(value or "")) if f and "|" not in f and "[" not in f}


def _gres(value) -> dict:
    return {k: [t, c] for k, (t, c) in parse_tres_request(value).items()} if value else {}


def _bitmap(ids) -> str:
    ids = sorted(ids)
    parts, i = [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(parts)


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value or []]


__all__ = ["Cluster", "SubmitResult", "parse_array", "SIGNALS", "compress", "ENDINGS"]
