"""The emulated controller: nodes, partitions, jobs and the scheduler, driven by one clock.

Nothing runs in the background: every call first replays the events due up to `clock.now()` (scheduler
passes, job ends, COMPLETING flags clearing, MinJobAge purges) in time order, so a manual clock gives
exactly repeatable histories and a fast clock gives a lively demo."""

from __future__ import annotations

import copy
import heapq
import itertools
import re
import zlib

from ..errors import SlurmError, warning
from .accounting import Accounting
from .clock import Clock
from .config import load_config
from .hostlist import compress, expand
from .jobs import Job
from .models import License, Node, Partition, Reservation
from .runtime import SIGNAL_NAMES, SIGNALS, HARMLESS, plan_for, signal_number
from .values import INFINITE

FIXED_UIDS = {"root": 0, "slurm": 64030, "nobody": 65534}


class SubmitResult:
    def __init__(self, job_id: int, warnings=None, user_msg: str = "", step_id: str = "batch"):
        self.job_id, self.step_id, self.user_msg = job_id, step_id, user_msg
        self.warnings = list(warnings or [])


class _Array:
    """A job array's pending part: one record until its last task starts (which takes the array's id)."""

    def __init__(self, array_id: int, tasks: list[int], max_running: int, template: dict):
        self.array_id, self.pending, self.max_running, self.template = array_id, tasks, max_running, template
        self.job: Job | None = None          # the pending meta job (carries desc, user, partition ...)
        self.task_jobs: list[Job] = []

    def task_string(self) -> str:
        if not self.pending:
            return ""
        parts, start, prev = [], self.pending[0], self.pending[0]
        step = None
        for t in self.pending[1:] + [None]:
            if t is not None and t == prev + 1:
                prev = t
                continue
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            if t is not None:
                start = prev = t
        text = ",".join(parts)
        if self.max_running:
            text += f"%{self.max_running}"
        del step
        return text


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
        self.nodes: dict[str, Node] = {}
        for group in config.get("nodes", []):
            for name in expand(group["names"]):
                self.nodes[name] = Node.from_config(name, group, self.clock.now())
        self.partitions: dict[str, Partition] = {}
        for p in config.get("partitions", []):
            self.partitions[p["name"]] = Partition.from_config(p, self)
        self.licenses = {lic["name"]: License(lic["name"], int(lic.get("total", 0)))
                         for lic in config.get("licenses", [])}
        self.reservations: dict[str, Reservation] = {}
        self.accounting = Accounting.from_config(config, self.name, self.clock)
        self.jobs: dict[int, Job] = {}                 # everything the controller still shows
        self.arrays: dict[int, _Array] = {}
        self._ids = itertools.count(int(c.get("first_job_id", 1)))
        self._events: list = []
        self._sched_times: set = set()
        self._seq = itertools.count()
        self._t = self.clock.now()
        self.started = self._t
        self.stats = {"jobs_submitted": 0, "jobs_started": 0, "jobs_completed": 0, "jobs_canceled": 0,
                      "jobs_failed": 0, "schedule_cycles": 0, "rpcs": 0}

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
        if self.accounting.has_user(user):
            return
        if self.strict_users:
            raise SlurmError(6010, "Rejecting authentication of user nobody or group nobody",
                             "slurm_submit_batch_job()")
        self.accounting.ensure_user(user, self.config["cluster"].get("default_account", "default"))

    @staticmethod
    def uid(user: str) -> int:
        return FIXED_UIDS.get(user, 1000 + zlib.crc32(user.encode()) % 50000)

    # ---- the event loop -----------------------------------------------------------------------------------
    def _push(self, t: float, kind: str, job_id: int = 0) -> None:
        if kind == "sched":          # one scheduler pass per instant is enough, however many asked for it
            if t in self._sched_times:
                return
            self._sched_times.add(t)
        heapq.heappush(self._events, (t, next(self._seq), kind, job_id))

    def sync(self) -> None:
        """Replay every event due up to now, in time order."""
        now = self.clock.now()
        while self._events and self._events[0][0] <= now:
            t, _, kind, job_id = heapq.heappop(self._events)
            self._t = max(self._t, t)
            if kind == "sched":
                self._sched_times.discard(t)
            getattr(self, f"_on_{kind}")(job_id)
        self._t = max(self._t, now)
        self.stats["rpcs"] += 1

    def _on_sched(self, _):
        self._schedule()

    def _on_end(self, job_id):
        job = self.jobs.get(job_id)
        if job is None or not job.running or job._end_at is None or job._end_at > self._t + 1e-9:
            return
        if job._end_how == "timeout":
            job.end("timeout", self._t)
        elif job.plan.oom:
            job.end("oom", self._t, return_code=0)
        elif job.plan.exit_code:
            job.end("failed", self._t, return_code=job.plan.exit_code)
        else:
            job.end("completed", self._t)
        self._finish(job)

    def _on_uncomplete(self, job_id):
        job = self.jobs.get(job_id)
        if job is not None and job.completing_until is not None and job.completing_until <= self._t + 1e-9:
            job.completing_until = None

    def _on_purge(self, job_id):
        job = self.jobs.get(job_id)
        if job is not None and job.finished and job.end_time + self.min_job_age <= self._t + 1e-9:
            del self.jobs[job_id]

    def _finish(self, job: Job, completing: float = 0.0) -> None:
        """Free what the job held and let the scheduler look again."""
        job._last_nodes = list(job.alloc)
        for name, (cpus, mem) in job.alloc.items():
            node = self.nodes.get(name)
            if node:
                node.release(job.job_id, cpus, mem)
        job.alloc = {}
        for lic in _licenses(job.licenses):
            if lic[0] in self.licenses:
                self.licenses[lic[0]].used = max(0, self.licenses[lic[0]].used - lic[1])
        if completing:
            job.completing_until = self._t + completing
            self._push(job.completing_until, "uncomplete", job.job_id)
        key = {"COMPLETED": "jobs_completed", "CANCELLED": "jobs_canceled"}.get(job.state, "jobs_failed")
        self.stats[key] += 1
        self._push(job.end_time + self.min_job_age, "purge", job.job_id)
        self._push(self._t, "sched")
        self._deps_changed()

    # ---- scheduling ---------------------------------------------------------------------------------------
    def _schedule(self) -> None:
        self.stats["schedule_cycles"] += 1
        t = self._t
        blocked_partitions = set()
        het_done = set()
        pending = [j for j in self.jobs.values() if j.state == "PENDING"]
        pending.sort(key=lambda j: (-j.priority, j.job_id))
        for job in pending:
            if job.state != "PENDING":
                continue
            if job.eligible_time is not None and job.eligible_time > t:
                continue
            job.last_eval = t
            if job.hold:
                job.reason = "JobHeldUser" if job.hold == "user" else "JobHeldAdmin"
                continue
            dep = self._dependency_state(job)
            if dep != "ok":
                job.reason = "Dependency" if dep == "wait" else "DependencyNeverSatisfied"
                continue
            if job.begin_time and job.begin_time > t:
                job.reason = "BeginTime"
                self._push(job.begin_time, "sched")
                continue
            part = self.partitions.get(job.partition)
            if part is None:
                continue
            if part.max_time is not INFINITE and job.time_limit is not INFINITE and job.time_limit > part.max_time:
                job.reason = "PartitionTimeLimit"
                continue
            if not self._could_ever_fit(job):
                job.reason = "PartitionConfig"
                continue
            if job.het_job_id is not None:
                if job.het_job_id in het_done:
                    continue
                het_done.add(job.het_job_id)
                comps = sorted((j for j in self.jobs.values() if j.het_job_id == job.het_job_id),
                               key=lambda j: j.het_job_offset)
                plans = self._place_many(comps)
                if plans is None:
                    for c in comps:
                        c.reason = "Resources"
                    continue
                for c, plan in zip(comps, plans):
                    self._start(c, plan)
                continue
            if job.array_job_id is not None and job.job_id in self.arrays:
                self._schedule_array(self.arrays[job.job_id], blocked_partitions)
                continue
            if job.partition in blocked_partitions:
                job.reason = "Priority"
                # backfill: a later job that fits now may still start
            plan = self._place(job)
            if plan is None:
                if job.partition not in blocked_partitions:
                    job.reason = "Resources"
                blocked_partitions.add(job.partition)
                continue
            if not self._licenses_free(job):
                job.reason = "Licenses"
                continue
            self._start(job, plan)

    def _schedule_array(self, arr: _Array, blocked: set) -> None:
        meta = arr.job
        while arr.pending:
            running = sum(1 for j in arr.task_jobs if j.running)
            if arr.max_running and running >= arr.max_running:
                meta.reason = "JobArrayTaskLimit"
                return
            plan = self._place(meta)
            if plan is None:
                meta.reason = "Resources" if meta.partition not in blocked else "Priority"
                blocked.add(meta.partition)
                return
            task = arr.pending.pop(0)
            if arr.pending:
                job = self._clone_task(meta, next(self._ids), task)
                self.jobs[job.job_id] = job
            else:      # the last task takes over the array's own id
                job = meta
                job.array_task_id = task
                del self.arrays[arr.array_id]
            arr.task_jobs.append(job)
            self.accounting.add_job(job) if job is not meta else None
            self._start(job, plan)

    def _clone_task(self, meta: Job, job_id: int, task: int) -> Job:
        job = copy.copy(meta)
        job.job_id, job.array_task_id = job_id, task
        job.alloc, job.swallowed = {}, set()
        job.exit_status = []
        return job

    def _place(self, job: Job):
        """Nodes for the job now, as {node: (cpus, mem)}, or None when it must wait."""
        part = self.partitions[job.partition]
        mem_per_node = job.memory_per_node or ((job.memory_per_cpu or 0) * job.cpus_per_task)
        candidates = [n for n in part.node_names if n in self.nodes and self.nodes[n].usable(self._t)]
        candidates = [n for n in candidates if self._reservation_allows(n, job)]
        need_cpus = job.cpus
        per_node = max(1, -(-need_cpus // max(1, job.min_nodes)))
        plan = {}
        for name in candidates:
            node = self.nodes[name]
            take = min(node.free_cpus(), per_node, need_cpus)
            if take <= 0 or take < job.cpus_per_task:
                continue
            take -= take % job.cpus_per_task
            mem = job.memory_per_node or (job.memory_per_cpu or 0) * take
            if mem > node.free_mem():
                continue
            plan[name] = (take, mem)
            need_cpus -= take
            if need_cpus <= 0 and len(plan) >= job.min_nodes:
                return plan
        del mem_per_node
        return None

    def _could_ever_fit(self, job: Job) -> bool:
        """Whether the partition, empty, could hold the job; if not it pends forever (PartitionConfig)."""
        part = self.partitions.get(job.partition)
        nodes = [self.nodes[n] for n in part.node_names if n in self.nodes] if part else []
        mem = job.memory_per_node or (job.memory_per_cpu or 0) * job.cpus_per_task
        fitting = [n for n in nodes if n.cpus >= job.cpus_per_task and n.real_memory >= mem]
        return bool(fitting) and sum(n.cpus for n in fitting) >= job.cpus and len(fitting) >= job.min_nodes

    def _place_many(self, jobs):
        """All-or-nothing placement for hetjob components."""
        reserved = []
        plans = []
        try:
            for job in jobs:
                plan = self._place(job)
                if plan is None:
                    return None
                for name, (cpus, mem) in plan.items():
                    self.nodes[name].hold(-1, cpus, mem)
                    reserved.append((name, cpus, mem))
                plans.append(plan)
            return plans
        finally:
            for name, cpus, mem in reserved:
                self.nodes[name].release(-1, cpus, mem)

    def _reservation_allows(self, node: str, job: Job) -> bool:
        for resv in self.reservations.values():
            if node in resv.nodes and resv.active(self._t) and job.desc.get("reservation") != resv.name:
                if "IGNORE_JOBS" in resv.flags and job.user_name in resv.users:
                    continue
                return False
        if job.desc.get("reservation"):
            resv = self.reservations.get(job.desc["reservation"])
            return resv is not None and node in resv.nodes
        return True

    def _licenses_free(self, job: Job) -> bool:
        return all(name in self.licenses and self.licenses[name].free() >= count
                   for name, count in _licenses(job.licenses))

    def _start(self, job: Job, plan: dict) -> None:
        for name, (cpus, mem) in plan.items():
            self.nodes[name].hold(job.job_id, cpus, mem)
        for name, count in _licenses(job.licenses):
            self.licenses[name].used += count
        job.alloc = dict(plan)
        job.state, job.reason, job.start_time = "RUNNING", "None", self._t
        self.stats["jobs_started"] += 1
        limit = None if job.time_limit is INFINITE else job.time_limit * 60
        run = job.plan.runtime
        if limit is not None and run >= limit:
            job._end_at, job._end_how = self._t + limit, "timeout"
        else:
            job._end_at, job._end_how = self._t + run, "normal"
        self._push(job._end_at, "end", job.job_id)

    def _dependency_state(self, job: Job) -> str:
        if not job.dependency:
            return "ok"
        result = "ok"
        for clause in re.split(r"[,?]", job.dependency):
            kind, _, ids = clause.partition(":")
            for dep_id in ids.split(":"):
                if not dep_id:
                    continue
                dep = self._any_job(int(dep_id.split("_")[0])) if dep_id.split("_")[0].isdigit() else None
                if dep is None:
                    continue
                if kind == "after":
                    if dep.state == "PENDING":
                        result = "wait"
                elif kind == "afterany":
                    if not dep.finished:
                        result = "wait"
                elif kind == "afterok":
                    if not dep.finished:
                        result = "wait"
                    elif dep.state != "COMPLETED":
                        return "never"
                elif kind == "afternotok":
                    if not dep.finished:
                        result = "wait"
                    elif dep.state == "COMPLETED":
                        return "never"
                elif kind == "singleton":
                    continue
        return result

    def _deps_changed(self) -> None:
        self._push(self._t, "sched")

    def _any_job(self, job_id: int) -> Job | None:
        return self.jobs.get(job_id) or self.accounting.job_object(job_id)

    # ---- submit -------------------------------------------------------------------------------------------
    def submit(self, desc, as_user: str, *, source: str = "_job_post") -> SubmitResult:
        self.sync()
        descs = desc if isinstance(desc, list) else [desc]
        if not descs or not isinstance(descs[0], dict) or not descs[0].get("script"):
            raise SlurmError(9000, 'Populated "script" field is required for job submission', source)
        warnings = []
        jobs = []
        first = descs[0]
        for offset, d in enumerate(descs):
            d = dict(d)
            if offset and not d.get("script"):
                d["script"] = first["script"]
            jobs.append(self._make_job(d, as_user, warnings, first_name=first.get("name"), het=len(descs) > 1,
                                       offset=offset))
        leader = jobs[0]
        if len(jobs) > 1:
            id_set = f"{leader.job_id}-{jobs[-1].job_id}"
            for off, job in enumerate(jobs):
                job.het_job_id, job.het_job_offset, job.het_job_id_set = leader.job_id, off, id_set
        for job in jobs:
            self.jobs[job.job_id] = job
            self.accounting.add_job(job)
            self.stats["jobs_submitted"] += 1
        array = first.get("array")
        if array and len(jobs) == 1:
            tasks, max_running = parse_array(str(array))
            arr = _Array(leader.job_id, tasks, max_running, first)
            arr.job = leader
            leader.array_job_id, leader.array_max_tasks = leader.job_id, max_running
            self.arrays[leader.job_id] = arr
        if leader.hold:
            warnings.append(warning("Job is in held state, pending scheduler release", "_job_post"))
        self._push(self._t + float(self.runtime.get("sched_interval", 1)), "sched")
        return SubmitResult(leader.job_id, warnings)

    def allocate(self, desc, as_user: str) -> SubmitResult:
        descs = desc if isinstance(desc, list) else [desc]
        patched = [dict(d, script=d.get("script") or "#!/bin/sh\n#MOCKRESTD --runtime=3600\n") for d in descs]
        result = self.submit(patched if isinstance(desc, list) else patched[0], as_user,
                             source="_job_post_allocate")
        self._schedule()      # an allocation request is answered at once when resources are free
        return result

    def _make_job(self, d: dict, user: str, warnings: list, *, first_name, het: bool, offset: int) -> Job:
        if not d.get("environment") and offset == 0:
            raise SlurmError(2019, "Batch job submission failed: Error writing to file", "slurm_submit_batch_job()")
        if not d.get("current_working_directory"):
            raise SlurmError(2063, "Batch job submission failed: Missing working directory",
                             "slurm_submit_batch_job()")
        part_name = d.get("partition") or self.default_partition()
        if part_name not in self.partitions:
            raise SlurmError(2000, f"Batch job submission failed: Invalid partition name specified",
                             "slurm_submit_batch_job()")
        account = d.get("account") or self.accounting.user_default_account(user) or \
            self.config["cluster"].get("default_account", "default")
        tasks = _int(d.get("tasks"), 1)
        cpt = _int(d.get("cpus_per_task"), 1)
        min_nodes = _int(d.get("minimum_nodes"), 1)
        cpus = max(tasks * cpt, _int(d.get("minimum_cpus"), 0))
        time_limit = d.get("time_limit")
        part = self.partitions[part_name]
        if time_limit is None:
            time_limit = part.default_time if part.default_time is not None else part.max_time
        hold = "user" if d.get("hold") else None
        if d.get("priority") == 0 and not hold:
            hold = "admin" if self.is_operator(user) else "user"
        job = Job(
            job_id=next(self._ids), desc=d, user_name=user, user_id=self.uid(user), group_name=user,
            account=account, partition=part_name, qos=d.get("qos") or "normal", submit_time=self._t,
            plan=plan_for(d.get("script"), self.runtime), cluster=self.name,
            association_id=self.accounting.association_id(user, account) or 0,
            cpus=cpus, tasks=tasks, cpus_per_task=cpt, min_nodes=min_nodes,
            memory_per_node=d.get("memory_per_node") if isinstance(d.get("memory_per_node"), int) else None,
            memory_per_cpu=d.get("memory_per_cpu") if isinstance(d.get("memory_per_cpu"), int) else None,
            time_limit=time_limit, name=d.get("name") if d.get("name") is not None else
            ("" if het and offset else (first_name or "")),
            comment=d.get("comment") or "", priority=_int(d.get("priority"), 1) if not hold else 1, hold=hold,
            dependency=d.get("dependency") or "", licenses=_license_str(d.get("licenses")),
            begin_time=d.get("begin_time") if isinstance(d.get("begin_time"), (int, float)) else None,
            eligible_time=self._t,
        )
        if not job.name and not het and offset == 0:
            job.name = d.get("name") or ""
        job._end_at, job._end_how = None, None
        job.submit_line = ""
        if not self._could_ever_fit(job):
            warnings.append(warning("Requested node configuration is not available", "_job_post"))
        return job

    def default_partition(self) -> str:
        for p in self.partitions.values():
            if p.default:
                return p.name
        return next(iter(self.partitions))

    # ---- reading jobs ---------------------------------------------------------------------------------
    def _visible(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.job_id)

    def _record(self, job: Job) -> dict:
        arr = self.arrays.get(job.job_id)
        if arr is not None and job is arr.job:
            return job.record(array_pending=arr.task_string())
        return job.record()

    def job_records(self, as_user=None, update_time=None) -> list[dict]:
        self.sync()
        return [self._record(j) for j in self._visible()]

    def _parse_id(self, job_id: str) -> tuple[int, str | None]:
        m = re.fullmatch(r"(\d+)(?:([_+])(\d+))?", str(job_id).strip())
        if not m:
            raise SlurmError(9000, f"Unable to parse job id: {job_id}", "_parse_job_id")
        return int(m.group(1)), m.group(2)

    def _group(self, base: int) -> list[Job]:
        """The job and everything that shares its array or hetjob."""
        job = self.jobs.get(base)
        members = []
        for j in self._visible():
            if j.job_id == base or (j.array_job_id == base) or (j.het_job_id is not None and j.het_job_id == base):
                members.append(j)
        if job is not None and job.array_job_id and job.array_job_id != base:
            members = [j for j in self._visible() if j.array_job_id == job.array_job_id]
        return members

    def job_lookup(self, job_id: str):
        self.sync()
        base, sep = self._parse_id(job_id)
        members = self._group(base)
        if not members:
            raise SlurmError(2017, f"Unable to query JobId={job_id}", "slurm_load_job()")
        warnings = []
        if sep == "_":
            warnings.append(warning(f"Query for JobId={job_id} returned the whole array", "_op_handler_job"))
        return [self._record(j) for j in members], warnings

    def jobs_state(self, job_ids=None) -> list[dict]:
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
                out += [{"job_id": f"{job.job_id}_{t}", "state": ["PENDING"]} for t in arr.pending]
                continue
            out.append({"job_id": job.id_string(), "state": job.states()})
        return out

    def job_resources(self, job_id: str) -> list[dict]:
        self.sync()
        base, _ = self._parse_id(job_id)
        job = self.jobs.get(base)
        if job is None:
            raise SlurmError(2017, f"Unable to query JobId={job_id}", "slurm_get_job_resources()")
        if not job.alloc:
            raise SlurmError(2024, "Job is pending execution", "slurm_get_job_resources()")
        return [{"node": name, "sockets_per_node": self.nodes[name].sockets,
                 "cores_per_socket": self.nodes[name].cores_per_socket, "mem_alloc": mem,
                 "core_bitmap": f"0-{cpus - 1}", "channel": None, "gres": []}
                for name, (cpus, mem) in job.alloc.items() if name in self.nodes]

    # ---- changing jobs -------------------------------------------------------------------------------
    def update_job(self, job_id: str, desc: dict, as_user: str) -> list:
        self.sync()
        base, _ = self._parse_id(job_id)
        members = self._group(base)
        if not members:
            raise SlurmError(2017, f"Unable to update JobId={job_id}", "slurm_update_job()")
        job = self.jobs[base] if base in self.jobs else members[0]
        operator = self.is_operator(as_user)
        if job.user_name != as_user and not operator:
            raise SlurmError(2002, "Job update not permitted", "slurm_update_job()")
        if job.finished:
            raise SlurmError(2084, "Job has already finished", "slurm_update_job()")
        changes = {k: v for k, v in desc.items() if v is not None}
        if job.running:
            if "tasks" in changes or "cpus_per_task" in changes or "partition" in changes:
                raise SlurmError(2073, "Job is no longer pending execution", "slurm_update_job()")
            if "time_limit" in changes and changes["time_limit"] is not INFINITE and \
                    job.time_limit is not INFINITE and changes["time_limit"] <= job.time_limit:
                pass
            elif "time_limit" in changes and not operator:
                raise SlurmError(2002, "Access/permission denied: only an operator may raise the time limit",
                                 "slurm_update_job()")
        warnings = []
        for j in members if len(members) > 1 and "name" not in changes else [job]:
            self._apply(j, changes, operator, as_user)
        self._push(self._t, "sched")
        return warnings

    def _apply(self, job: Job, changes: dict, operator: bool, user: str) -> None:
        if "name" in changes:
            job.name = str(changes["name"])
        if "comment" in changes:
            job.comment = str(changes["comment"])
        if "admin_comment" in changes and operator:
            job.admin_comment = str(changes["admin_comment"])
        if "tasks" in changes:
            job.tasks = _int(changes["tasks"], job.tasks)
            job.cpus = job.tasks * job.cpus_per_task
        if "cpus_per_task" in changes:
            job.cpus_per_task = _int(changes["cpus_per_task"], job.cpus_per_task)
            job.cpus = job.tasks * job.cpus_per_task
        if "time_limit" in changes:
            job.time_limit = changes["time_limit"]
            if job.running:
                limit = None if job.time_limit is INFINITE else job.time_limit * 60
                run_end = job.start_time + job.plan.runtime
                if limit is not None and job.start_time + limit <= run_end:
                    job._end_at, job._end_how = max(self._t, job.start_time + limit), "timeout"
                else:
                    job._end_at, job._end_how = run_end, "normal"
                self._push(job._end_at, "end", job.job_id)
        if "partition" in changes and changes["partition"] in self.partitions:
            job.partition = changes["partition"]
        if "dependency" in changes:
            job.dependency = str(changes["dependency"])
        if "begin_time" in changes and isinstance(changes["begin_time"], (int, float)):
            job.begin_time = changes["begin_time"]
        if "hold" in changes:
            if changes["hold"]:
                job.hold = job.hold or ("admin" if operator and user != job.user_name else "user")
            elif job.hold == "admin" and not operator:
                raise SlurmError(2002, "Access/permission denied: the job is held by an administrator",
                                 "slurm_update_job()")
            else:
                job.hold = None
                job.reason = "None"
        if "priority" in changes:
            prio = changes["priority"]
            if prio == 0:
                job.hold = "admin" if operator else "user"
            elif prio is INFINITE or isinstance(prio, int):
                if job.hold == "admin" and not operator:
                    raise SlurmError(2002, "Access/permission denied", "slurm_update_job()")
                job.hold = None
                job.priority = 1 if prio is INFINITE else prio
        if job.state == "PENDING" and job.hold:
            job.reason = "JobHeldUser" if job.hold == "user" else "JobHeldAdmin"

    def signal_job(self, job_id: str, signal=None, flags=(), as_user: str = "root") -> list[dict]:
        """DELETE /job/{id}: cancel (no signal) or deliver a signal; problems are status entries, not errors."""
        self.sync()
        try:
            base, _ = self._parse_id(job_id)
        except SlurmError:
            return [_status(job_id, 2017, "Invalid job id specified")]
        members = self._group(base)
        if not members:
            return [_status(job_id, 2017, "Invalid job id specified")]
        out = []
        signum = None
        if signal not in (None, ""):
            signum = signal_number(signal)
            if signum is None:
                out.append(_status(job_id, 2021 if False else 9, "Unknown signal (null)", text="Unknown signal"))
        if all(j.finished for j in members):
            return out + [_status(job_id, 2021, "Job/step already completing or completed")]
        for job in members:
            if job.user_name != as_user and not self.is_operator(as_user):
                out.append(_status(job.id_string(), 2002, "Access/permission denied"))
                continue
            if job.finished:
                continue
            if signum is None or signum == 9 and signal is None:
                self._cancel(job)
            else:
                self._deliver(job, signum)
        return out

    def _cancel(self, job: Job) -> None:
        arr = self.arrays.pop(job.job_id, None)
        if arr is not None:
            arr.pending = []
        if job.state == "PENDING":
            job.end("cancelled_pending", self._t, return_code=0)
            job.return_code, job.signal = 0, None
            self._finish(job)
            return
        job.end("cancelled", self._t, return_code=None, signal=15)
        self._finish(job, completing=float(self.runtime.get("completing_time", 1)))

    def _deliver(self, job: Job, signum: int) -> None:
        name = SIGNAL_NAMES.get(signum, "")
        if job.state == "PENDING":
            if signum in (9, 15, 2):
                self._cancel(job)
            return
        if name in HARMLESS or name in job.plan.ignore:
            return
        if name in job.plan.swallow_once and name not in job.swallowed:
            job.swallowed.add(name)
            return
        trap = job.plan.traps.get(name) if hasattr(job.plan, "traps") else None
        if trap is not None:
            job.end("failed", self._t, return_code=trap)
        else:
            job.end("signaled", self._t, return_code=None, signal=signum)
        self._finish(job)

    def kill_jobs(self, filters: dict, as_user: str) -> list[dict]:
        self.sync()
        wanted = [str(j) for j in (filters.get("jobs") or [])]
        out = []
        signal = filters.get("signal")
        flags = filters.get("flags") or []
        targets = []
        if wanted:
            for jid in wanted:
                try:
                    base, _ = self._parse_id(jid)
                except SlurmError:
                    out.append(_status(jid, 2017, "Invalid job id specified"))
                    continue
                members = self._group(base)
                if not members:
                    out.append(_status(jid, 2017, "Invalid job id specified"))
                elif all(m.finished for m in members):
                    out.append(_status(jid, 2021, "Job/step already completing or completed"))
                else:
                    targets.append(jid)
        else:
            for job in self._visible():
                if job.finished:
                    continue
                if filters.get("user_name") and job.user_name != filters["user_name"]:
                    continue
                if filters.get("account") and job.account != filters["account"]:
                    continue
                if filters.get("partition") and job.partition != filters["partition"]:
                    continue
                if filters.get("job_name") and job.name != filters["job_name"]:
                    continue
                if filters.get("job_state") and job.state not in filters["job_state"]:
                    continue
                if not self.is_operator(as_user) and job.user_name != as_user:
                    continue
                targets.append(str(job.job_id))
        for jid in targets:
            out += [s for s in self.signal_job(jid, signal, flags, as_user) if s["error"]["code"] != 2021]
        return out

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
            raise SlurmError(code, "Invalid user id" if code == 2010 else "Access/permission denied", source)

    def update_nodes(self, names, desc: dict, as_user: str) -> list:
        self.sync()
        self._operator_only(as_user, "slurm_update_node()")
        if isinstance(names, str):
            names = expand(names)
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
        self.sync()
        self._operator_only(as_user, "slurm_create_node()")
        fields = dict(tok.split("=", 1) for tok in node_conf.split() if "=" in tok)
        names = expand(fields.get("NodeName", ""))
        if not names:
            raise SlurmError(9000, "NodeName= is required", "slurm_create_node()")
        for name in names:
            if name in self.nodes:
                raise SlurmError(2018, f"Node {name} already exists", "slurm_create_node()")
            cpus = int(fields.get("CPUs", 1))
            self.nodes[name] = Node.from_config(name, {"cpus": cpus, "real_memory": int(fields.get("RealMemory", 1)),
                                                       "features": [f for f in fields.get("Features", "").split(",")
                                                                    if f],
                                                       "sockets": 1, "cores_per_socket": cpus}, self._t)
            state = fields.get("State", "").upper()
            if state in ("FUTURE", "CLOUD"):
                self.nodes[name].base_state = "IDLE"
                self.nodes[name].flags.add("CLOUD" if state == "CLOUD" else "FUTURE")

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

    def reservation_records(self) -> list[dict]:
        self.sync()
        return [r.record() for r in self.reservations.values() if not r.over(self._t)]

    def reservation_record(self, name: str):
        self.sync()
        r = self.reservations.get(name)
        return r.record() if r and not r.over(self._t) else None

    def create_reservation(self, desc: dict, as_user: str) -> dict:
        self.sync()
        self._operator_only(as_user, "slurm_create_reservation()", 2002)
        name = desc.get("name") or f"resv{len(self.reservations) + 1}"
        existing = self.reservations.get(name)
        nodes = expand(desc.get("node_list") if isinstance(desc.get("node_list"), str)
                       else ",".join(desc.get("node_list") or []))
        if not nodes and existing:
            nodes = existing.nodes
        if not nodes:
            count = _int(desc.get("node_count"), 1)
            nodes = list(self.nodes)[:count]
        if any(n not in self.nodes for n in nodes):
            raise SlurmError(2018, "Invalid node name specified", "slurm_create_reservation()")
        start = desc.get("start_time")
        start = float(start) if isinstance(start, (int, float)) else self._t
        duration = desc.get("duration")
        end = desc.get("end_time")
        if isinstance(end, (int, float)):
            end = float(end)
        elif isinstance(duration, int):
            end = start + duration * 60
        else:
            end = start + 365 * 86400
        flags = [str(f).upper() for f in desc.get("flags") or []]
        for other in self.reservations.values():
            if other.name != name and set(other.nodes) & set(nodes) and other.start < end and start < other.end \
                    and "OVERLAP" not in flags:
                raise SlurmError(2058, "Requested reservation overlaps with another reservation",
                                 "slurm_create_reservation()")
        if "IGNORE_JOBS" not in flags and start <= self._t and any(self.nodes[n].jobs for n in nodes):
            raise SlurmError(2016, "Requested nodes are busy", "slurm_create_reservation()")
        users = desc.get("users") or []
        accounts = desc.get("accounts") or []
        resv = Reservation(name, nodes, start, end, _as_list(users), _as_list(accounts), flags,
                           desc.get("partition") or "", sum(self.nodes[n].cpus for n in nodes))
        self.reservations[name] = resv
        return desc

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
        self.sync()
        states = [j.state for j in self.jobs.values()]
        now = int(self._t)
        s = self.stats
        return {"parts_packed": 1, "req_time": now, "req_time_start": int(self.started),
                "server_thread_count": 3, "agent_queue_size": 0, "agent_count": 0, "agent_thread_count": 0,
                "dbd_agent_queue_size": 0, "gettimeofday_latency": 12, "schedule_cycle_max": 900,
                "schedule_cycle_last": 120, "schedule_cycle_sum": 120 * s["schedule_cycles"],
                "schedule_cycle_total": s["schedule_cycles"], "schedule_cycle_mean": 120,
                "schedule_cycle_mean_depth": 1, "schedule_cycle_per_minute": 1, "schedule_queue_length":
                    states.count("PENDING"),
                "jobs_submitted": s["jobs_submitted"], "jobs_started": s["jobs_started"],
                "jobs_completed": s["jobs_completed"], "jobs_canceled": s["jobs_canceled"],
                "jobs_failed": s["jobs_failed"], "jobs_pending": states.count("PENDING"),
                "jobs_running": states.count("RUNNING"), "job_states_ts": now,
                "bf_active": False, "bf_last_depth": 0, "bf_cycle_counter": s["schedule_cycles"],
                "rpcs_by_message_type": [{"type_id": 2003, "message_type": "REQUEST_JOB_INFO",
                                          "count": s["rpcs"], "queued": 0, "dropped": 0, "cycle_last": 0,
                                          "cycle_max": 0, "total_time": s["rpcs"] * 150,
                                          "average_time": 150}],
                "rpcs_by_user": [{"user_id": 0, "user": "root", "count": s["rpcs"], "total_time": s["rpcs"] * 150,
                                  "average_time": 150}],
                "pending_rpcs": [], "pending_rpcs_by_hostlist": []}

    def reconfigure(self, as_user: str) -> None:
        self.sync()
        self._operator_only(as_user, "slurm_reconfigure()")

    # ---- snapshot -------------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The whole state as a JSON-able dict (config + pickled model, base64)."""
        import base64
        import pickle
        self.sync()
        state = {k: v for k, v in self.__dict__.items() if k not in ("clock", "config")}
        blob = base64.b64encode(pickle.dumps((state, self._t))).decode()
        return {"format": "mockrestd-snapshot/1", "cluster": self.name, "time": self._t, "config": self.config,
                "state": blob}

    @classmethod
    def restore(cls, snap: dict, clock=None) -> "Cluster":
        import base64
        import pickle
        if not isinstance(snap, dict) or snap.get("format") != "mockrestd-snapshot/1":
            raise ValueError("not a mockrestd snapshot")
        cluster = cls.__new__(cls)
        state, t = pickle.loads(base64.b64decode(snap["state"]))
        cluster.__dict__.update(state)
        cluster.config = snap["config"]
        cluster.clock = clock or Clock()
        cluster.accounting.clock = cluster.clock
        return cluster


def parse_array(spec: str) -> tuple[list[int], int]:
    """"1-3", "0-5:2%1", "1,3,5", "100" → task ids and the %limit (0: none)."""
    spec, _, limit = spec.partition("%")
    tasks: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        rng, _, step = part.partition(":")
        lo, _, hi = rng.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()) or (step and not step.isdigit()):
            raise SlurmError(2000 + 47, f"Invalid job array specification: {spec}", "_job_post")
        lo_i, hi_i = int(lo), int(hi) if hi else int(lo)
        tasks += list(range(lo_i, hi_i + 1, int(step) if step else 1))
    return sorted(set(tasks)), int(limit) if limit.isdigit() else 0


def _status(job_id, code: int, message: str, text: str | None = None) -> dict:
    from ..errors import error_text
    jid = int(str(job_id).split("_")[0].split("+")[0]) if str(job_id).split("_")[0].split("+")[0].isdigit() else None
    return {"error": {"string": text or error_text(code), "code": code, "message": message},
            "step_id": "batch" if False else "", "job_id": jid, "federation": {"sibling": ""}}


def _int(value, default: int) -> int:
    if value is None or value is INFINITE:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [v for v in value.split(",") if v]
    return [str(v) for v in value or []]


def _license_str(value) -> str:
    if not value:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _licenses(text: str) -> list[tuple[str, int]]:
    out = []
    for item in (text or "").split(","):
        if not item:
            continue
        name, _, count = item.replace("=", ":").partition(":")
        out.append((name, int(count) if count.isdigit() else 1))
    return out


__all__ = ["Cluster", "SubmitResult", "parse_array", "SIGNALS", "compress"]
