"""A job on the emulated controller, and how it reads as a `job_info` record and a slurmdb `job` record.

The lifecycle is data: `LIFECYCLE` says which base state may follow which, and `ENDINGS` says how each way
of ending reads (state, reason, exit status, what accounting sees), so the rules of what a finished job
looks like live in two tables, not in every code path that ends a job."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from . import stdio
from .hostlist import compress
from .gres import gres_text
from . import sluid as _sluid
from .runtime import SIGNAL_NAMES, Plan
from .values import INFINITE

YEAR = 365 * 86400

FINISHED = {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL",
            "DEADLINE", "PREEMPTED"}
# base state -> the base states it may move to (CONFIGURING is skipped: mock nodes are always booted);
# a running or finished batch job goes back to PENDING only by being requeued
LIFECYCLE = {
    "PENDING": ("RUNNING", "CANCELLED"),
    "RUNNING": ("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL", "PENDING"),
    **{state: ("PENDING",) for state in FINISHED},
}


@dataclass(frozen=True)
class Ending:
    state: str            # base job_state
    reason: str           # state_reason on the controller ("": it keeps the one it had)
    status: str           # exit_code.status word
    db_clean: bool        # slurmdbd records the job itself as SUCCESS/0 (its batch step got the signal)
    step_state: str       # the batch step's state in accounting ("" = the job never started)
    completing: bool      # shows the COMPLETING flag for `completing_time` after it ends


ENDINGS = {
    "completed": Ending("COMPLETED", "None", "SUCCESS", False, "COMPLETED", False),
    "failed": Ending("FAILED", "NonZeroExitCode", "ERROR", False, "FAILED", False),
    "signaled": Ending("FAILED", "RaisedSignal", "SIGNALED", False, "FAILED", False),
    "timeout": Ending("TIMEOUT", "TimeLimit", "SIGNALED", True, "CANCELLED", True),
    "cancelled": Ending("CANCELLED", "None", "SIGNALED", True, "CANCELLED", True),
    "cancelled_pending": Ending("CANCELLED", "", "SUCCESS", True, "", False),   # keeps why it was pending
    "oom": Ending("OUT_OF_MEMORY", "OutOfMemory", "ERROR", False, "OUT_OF_MEMORY", False),
    # slurmctld (kill_running_job_by_node_ptr): exit_code = 1, a wait status that reads as signal 1
    "node_fail": Ending("NODE_FAIL", "NodeDown", "SIGNALED", False, "NODE_FAIL", True),
}
_OK_EXIT = {"status": ["SUCCESS"], "return_code": 0, "signal": {"id": None, "name": ""}}
_NO_CPU_TIME = {"seconds": 0, "microseconds": 0}
# one counter for every Job in the process, so a revision names one job in one state, even across a
# reset or a snapshot restore that brings back the same job ids
_REVISIONS = itertools.count(1)
_IMMUTABLE = frozenset({str, int, bool, type(None), type(INFINITE)})   # floats: -0.0 == 0.0
_MISSING = object()
# fields the scheduler rewrites on every pass for every pending job: no new revision for them; Cluster._ref
# hands their record values out beside the revision instead (RecordRef.volatile)
_VOLATILE = frozenset({"last_eval"})


class RecordRef:
    """A job's record not made yet, with its revision: two refs with equal revisions and equal `volatile`
    values have equal records, so a reader (the renderer) may keep what it made of one and reuse it for
    the other. `volatile` maps record fields (v0.0.44 names) that change without a new revision to their
    values in this record; a reader that keeps a record by revision alone must take those from here."""

    __slots__ = ("revision", "_make", "volatile")

    def __init__(self, revision, make, volatile: dict | None = None):
        self.revision, self._make, self.volatile = revision, make, volatile or {}

    def record(self) -> dict:
        return self._make()


class RecordRefs:
    """A listing's `RecordRef`s, made only when asked for (`refs()`), and its `signature`: equal for two
    listings exactly when their refs, in order, have equal revisions and volatile values, so a reader that
    kept what it made of one listing may send it again for the other without making a single ref."""

    __slots__ = ("signature", "_make")

    def __init__(self, signature, make):
        self.signature, self._make = signature, make

    def refs(self) -> list:
        return self._make()


@dataclass
class Job:
    job_id: int
    desc: dict
    user_name: str
    user_id: int
    group_name: str
    account: str
    partition: str
    qos: str
    submit_time: float
    plan: Plan
    cluster: str
    group_id: int = 0
    association_id: int = 0
    cpus: int = 1
    tasks: int = 1
    cpus_per_task: int = 1
    min_nodes: int = 1
    max_nodes: int = 0
    memory_per_node: int | None = None
    memory_per_cpu: int | None = None
    gres_per_node: dict = field(default_factory=dict)   # name -> [type, count]
    gres_per_job: dict = field(default_factory=dict)    # name -> [type, count]
    time_limit: object = INFINITE          # minutes, or INFINITE
    name: str = ""
    comment: str = ""
    admin_comment: str = ""
    priority: int = 1
    hold: str | None = None                # None | "user" | "admin"
    dependency: str = ""
    begin_time: float | None = None
    state: str = "PENDING"
    completing_until: float | None = None
    reason: str = "None"
    start_time: float | None = None
    end_time: float | None = None
    eligible_time: float | None = None
    accrue_time: float | None = None
    last_eval: float | None = None
    last_update: float = 0.0
    alloc: dict = field(default_factory=dict)   # node name -> [cpus, mem, gres slots, cpu ids]
    last_alloc: dict = field(default_factory=dict)   # what it held, kept for the records once it ended
    ending: str | None = None              # key of ENDINGS once finished
    return_code: int | None = None
    signal: int | None = None
    array_job_id: int | None = None
    array_task_id: int | None = None
    array_max_tasks: int = 0
    het_job_id: int | None = None
    het_job_offset: int | None = None
    het_job_id_set: str = ""
    swallowed: set = field(default_factory=set)
    licenses: str = ""
    requeue_count: int = 0
    submit_line: str = ""
    flags: list = field(default_factory=list)     # USING_DEFAULT_* and friends, fixed at submit
    kill_request_user: str = ""
    # the running processes: seconds of work left when they last resumed, and whether they are stopped
    run_left: float = 0.0
    resumed_at: float | None = None
    stopped: bool = False
    end_at: float | None = None
    end_how: str | None = None
    special_exit: bool = False             # requeued with SpecialExit: pending in the SPECIAL_EXIT state

    # ---- revision ---------------------------------------------------------------------------------------
    _rev = 0

    def __setattr__(self, name, value):
        """Every assignment that changes a field gives the job a new revision (`_rev`, unique in the
        process), but those in `_VOLATILE`. Containers (desc, flags, alloc) are replaced, never changed in
        place, so this sees them."""
        old = self.__dict__.get(name, _MISSING)
        object.__setattr__(self, name, value)
        if name in _VOLATILE:
            return
        if type(value) is not type(old) or type(value) not in _IMMUTABLE or old != value:
            object.__setattr__(self, "_rev", next(_REVISIONS))

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def running(self) -> bool:
        return self.state == "RUNNING"

    @property
    def pending(self) -> bool:
        return self.state == "PENDING"

    def states(self, now: float | None = None) -> list[str]:
        completing = self.completing_until is not None and (now is None or self.completing_until > now)
        return [self.state] + (["COMPLETING"] if completing else []) + \
            (["SPECIAL_EXIT"] if self.special_exit and self.pending else [])

    def move(self, to: str) -> None:
        if to not in LIFECYCLE.get(self.state, ()):
            raise RuntimeError(f"job {self.job_id}: {self.state} -> {to} is not a Slurm transition")
        self.state = to

    def end(self, how: str, t: float, *, return_code: int | None = None, signal: int | None = None,
            completing: float = 0.0) -> None:
        ending = ENDINGS[how]
        self.move(ending.state)
        self.ending, self.end_time, self.last_update = how, t, t
        self.reason = ending.reason or self.reason
        self.return_code = return_code if ending.status != "SIGNALED" else None
        self.signal = signal if ending.status == "SIGNALED" else None
        if ending.status == "SIGNALED" and self.signal is None:
            self.signal = 15
        if ending.status in ("SUCCESS", "ERROR") and self.return_code is None:
            self.return_code = 0
        if ending.completing and completing:
            self.completing_until = t + completing
        self.end_at = None

    def requeue(self, t: float, *, begin_delay: float = 0.0, hold: bool = False, special_exit: bool = False) -> None:
        """Back to PENDING as a new run of the same job id (scontrol requeue): slurmctld gives it a new submit
        time, counts the restart, and lets a job that was running wait `begin_delay` (BeginTime)."""
        self.move("PENDING")
        self.requeue_count += 1
        self.submit_time, self.last_update = t, t
        self.start_time = self.end_time = self.end_at = self.end_how = None
        self.ending, self.return_code, self.signal, self.completing_until = None, None, None, None
        self.accrue_time, self.last_alloc, self.stopped = None, {}, False
        self.swallowed = set()
        self.begin_time = t + begin_delay if begin_delay else None
        self.eligible_time = None if hold else t + begin_delay
        self.hold = "user" if hold else None
        self.special_exit = special_exit
        self.reason = "JobHeldUser" if hold else ("BeginTime" if begin_delay else "None")

    def id_string(self) -> str:
        if self.array_task_id is not None:
            return f"{self.job_id}_{self.array_task_id}"
        if self.het_job_id is not None:
            return f"{self.het_job_id}+{self.het_job_offset}"
        return str(self.job_id)

    # ---- pieces of records --------------------------------------------------------------------------------
    def exit_code(self) -> dict:
        if not self.finished:
            return dict(_OK_EXIT)
        status = ENDINGS[self.ending].status
        return {"status": [status], "return_code": self.return_code,
                "signal": {"id": self.signal, "name": SIGNAL_NAMES.get(self.signal, "") if self.signal else ""}}

    def _db_exit_code(self) -> dict:
        return dict(_OK_EXIT) if not self.finished or ENDINGS[self.ending].db_clean else self.exit_code()

    def _held_nodes(self) -> dict:
        return self.alloc or self.last_alloc

    def expected_end(self) -> int:
        if self.end_time is not None:
            return int(self.end_time)
        start = self.start_time if self.start_time is not None else self.expected_start()
        if not start:
            return 0
        if self.time_limit is INFINITE:
            return int(start + YEAR)
        return int(start + self.time_limit * 60)

    def expected_start(self) -> float:
        """Pending jobs show their earliest possible start (the begin time) or 0, as squeue does."""
        if self.start_time is not None:
            return self.start_time
        return self.begin_time if self.begin_time and self.begin_time > self.submit_time else 0

    def expand(self, pattern: str) -> str:
        """The file a stdio pattern names for this job's batch step (engine/stdio.py, Slurm's rules)."""
        nodes = list(self._held_nodes())
        return stdio.expand(pattern, stdio.Fields(
            job_id=self.job_id, work_dir=self.desc.get("current_working_directory") or "/tmp",
            array_job_id=self.array_job_id or 0, array_task_id=self.array_task_id, job_name=self.name,
            user=self.user_name, node=nodes[0] if nodes else "", restart_count=self.requeue_count))

    def output_pattern(self) -> str:
        """standard_output, or the default slurmctld gives a batch job (slurm-%A_%a.out for an array)."""
        return self.desc.get("standard_output") or stdio.default_output(self.array_job_id is not None)

    @property
    def sluid(self) -> str:
        """Stable per job record: the cluster, the submit time and the job id; a requeue makes a new one,
        as job_record_set_sluid() does."""
        millis = int(self.submit_time * 1000) + self.requeue_count
        return _sluid.to_str(_sluid.make(_sluid.cluster_id(self.cluster), millis, self.job_id & 0x3FF))

    def memory_request(self) -> int:
        if self.memory_per_node:
            return self.memory_per_node * max(1, self.min_nodes)
        if self.memory_per_cpu:
            return self.memory_per_cpu * self.cpus
        return 0

    @staticmethod
    def tres_text(cpus: int, mem_mb: int, nodes: int) -> str:
        mem = f"{mem_mb // 1024}G" if mem_mb and mem_mb % 1024 == 0 else f"{mem_mb}M"
        parts = [f"cpu={cpus}"] + ([f"mem={mem}"] if mem_mb else []) + [f"node={nodes}", f"billing={cpus}"]
        return ",".join(parts)

    def _tres_list(self, cpus: int, mem: int, nodes: int, allocated: bool) -> list[dict]:
        out = [{"type": "cpu", "name": "", "id": 1, "count": cpus}]
        if mem:
            out.append({"type": "mem", "name": "", "id": 2, "count": mem})
        if allocated:
            out.append({"type": "energy", "name": "", "id": 3, "count": -2})
        out += [{"type": "node", "name": "", "id": 4, "count": nodes},
                {"type": "billing", "name": "", "id": 5, "count": cpus}]
        return out

    def _job_resources(self, nodes_conf: dict) -> dict:
        """What the job holds, or held: slurmctld keeps a finished job's resources in its record."""
        held = self._held_nodes()
        allocation = []
        for index, (name, (cpus, mem, _gres, cpu_ids)) in enumerate(held.items()):
            node = nodes_conf.get(name)
            sockets, per_socket, threads = (node.sockets, node.cores_per_socket, node.threads_per_core) \
                if node else (1, cpus, 1)
            used_cores = {i // max(1, threads) for i in cpu_ids}
            allocation.append({
                "index": index, "name": name, "cpus": {"count": cpus, "used": 0},
                "memory": {"used": 0, "allocated": mem},
                "sockets": [{"index": s, "cores": [
                    {"index": c, "status": ["ALLOCATED" if s * per_socket + c in used_cores else "UNALLOCATED"]}
                    for c in range(per_socket)]} for s in range(sockets)]})
        return {"select_type": ["CPU"],          # SelectTypeParameters=CR_CPU, as the conf says
                "nodes": {"count": len(held), "select_type": ["ONE_ROW"], "list": compress(list(held)),
                          "whole": False, "allocation": allocation},
                "cpus": sum(a[0] for a in held.values()), "threads_per_core": None}

    # ---- the records --------------------------------------------------------------------------------------
    def record(self, *, array_pending: str | None = None, nodes_conf: dict | None = None,
               now: float | None = None) -> dict:
        """The v0.0.44 `job_info` record (plain values; the renderer shapes them).

        It reads the job's own fields, `array_pending`, the layout of the nodes it holds or held in
        `nodes_conf`, and `now` only through `states(now)`: `Cluster._ref` builds the revision from these."""
        held = self._held_nodes()
        nodes = list(held)
        started = self.start_time is not None
        alloc_cpus = sum(a[0] for a in held.values())
        alloc_mem = sum(a[1] for a in held.values())
        out_pattern = self.output_pattern()
        err_pattern = self.desc.get("standard_error") or ""
        in_pattern = self.desc.get("standard_input") or "/dev/null"
        flags = list(self.flags)
        if started:
            flags.insert(1 if "EXACT_TASK_COUNT_REQUESTED" in flags else 0, "ACCRUE_COUNT_CLEARED")
            if self.running:
                flags.insert(flags.index("ACCRUE_COUNT_CLEARED") + 1, "JOB_WAS_RUNNING")
        return {
            "account": self.account, "accrue_time": int(self.accrue_time or 0), "admin_comment": self.admin_comment,
            "allocating_node": "mockrestd", "array_job_id": self.array_job_id or 0,
            "array_task_id": self.array_task_id, "array_max_tasks": self.array_max_tasks,
            "array_task_string": array_pending or "", "association_id": self.association_id,
            "batch_features": "", "batch_flag": True, "batch_host": nodes[0] if nodes else "",
            "flags": flags, "burst_buffer": "", "burst_buffer_state": "", "cluster": self.cluster,
            "cluster_features": "", "command": "", "comment": self.comment, "container": "", "container_id": "",
            "contiguous": bool(self.desc.get("contiguous")), "core_spec": 0, "thread_spec": 32766,
            "cores_per_socket": None, "billable_tres": float(alloc_cpus or self.cpus) if started else None,
            "cpus_per_task": self.cpus_per_task, "cpu_frequency_minimum": None, "cpu_frequency_maximum": None,
            "cpu_frequency_governor": None, "cpus_per_tres": "", "cron": "", "deadline": 0, "delay_boot": 0,
            "dependency": self.dependency, "derived_exit_code": dict(_OK_EXIT),
            "eligible_time": int(self.eligible_time or 0), "end_time": self.expected_end(),
            "excluded_nodes": _csv(self.desc.get("excluded_nodes")), "exit_code": self.exit_code(),
            "extra": self.desc.get("extra") or "", "failed_node": "", "features": self.desc.get("constraints") or "",
            "federation_origin": "", "federation_siblings_active": "", "federation_siblings_viable": "",
            "gres_detail": [gres_text(a[2], used=True) for a in held.values() if a[2]] if self.running else [],
            "group_id": self.group_id, "group_name": self.group_name,
            "het_job_id": self.het_job_id or 0, "het_job_id_set": self.het_job_id_set,
            "het_job_offset": self.het_job_offset or 0, "job_id": self.job_id,
            "job_resources": self._job_resources(nodes_conf or {}) if self._held_nodes() else None,
            "job_size_str": [], "job_state": self.states(now),
            "last_sched_evaluation": int(self.last_eval or 0), "licenses": self.licenses,
            "licenses_allocated": self.licenses if self.running else "", "mail_type": [],
            "mail_user": self.desc.get("mail_user") or self.user_name, "max_cpus": 0, "max_nodes": self.max_nodes,
            "mcs_label": "", "memory_per_tres": "", "name": self.name, "network": "",
            "nodes": compress(nodes) if nodes else "", "nice": _plain_int(self.desc.get("nice"), 0),
            "tasks_per_core": INFINITE, "tasks_per_tres": 0, "tasks_per_node": 0, "tasks_per_socket": INFINITE,
            "tasks_per_board": 0, "cpus": alloc_cpus or self.cpus,
            "node_count": len(nodes) if nodes else self.min_nodes, "tasks": self.tasks,
            "partition": self.partition, "prefer": "", "memory_per_cpu": self.memory_per_cpu,
            "memory_per_node": self.memory_per_node, "minimum_cpus_per_node": self.cpus_per_task,
            "minimum_tmp_disk_per_node": 0, "power": {"flags": []}, "preempt_time": 0, "preemptable_time": 0,
            "pre_sus_time": 0, "hold": self.hold is not None, "priority": 0 if self.hold else self.priority,
            "priority_by_partition": [], "profile": ["NOT_SET"], "qos": self.qos, "reboot": False,
            "required_nodes": _csv(self.desc.get("required_nodes")), "required_switches": 0, "requeue": True,
            "resize_time": 0, "restart_cnt": self.requeue_count, "resv_name": self.desc.get("reservation") or "",
            "scheduled_nodes": "", "segment_size": 0, "selinux_context": "", "shared": [],
            "step_id": {"sluid": self.sluid, "job_id": self.job_id, "step_het_component": None,
                        "step_id": "entire"},
            "sockets_per_board": 0, "sockets_per_node": None,
            "start_time": int(self.expected_start() or 0), "state_description": "", "state_reason": self.reason,
            "standard_input": in_pattern, "standard_output": self.desc.get("standard_output") or "",
            "standard_error": err_pattern, "stdin_expanded": self.expand(in_pattern),
            "stdout_expanded": self.expand(out_pattern), "stderr_expanded": self.expand(err_pattern),
            "submit_time": int(self.submit_time), "submit_line": self.submit_line, "suspend_time": 0,
            "system_comment": "", "time_limit": self.time_limit, "time_minimum": 0, "threads_per_core": None,
            "tres_bind": "", "tres_freq": "", "tres_per_job": self.desc.get("tres_per_job") or "",
            "tres_per_node": self.desc.get("tres_per_node") or "",
            "tres_per_socket": self.desc.get("tres_per_socket") or "",
            "tres_per_task": self.desc.get("tres_per_task") or "",
            "tres_req_str": self.tres_text(self.cpus, self.memory_request(), max(1, self.min_nodes)),
            "tres_alloc_str": self.tres_text(alloc_cpus, alloc_mem, len(nodes)) if started else "",
            "user_id": self.user_id, "user_name": self.user_name, "maximum_switch_wait_time": 0, "wckey": "",
            "current_working_directory": self.desc.get("current_working_directory") or "",
        }

    def db_record(self, now: float | None = None) -> dict:
        """The v0.0.44 slurmdb `job` record, with its batch step once the job has started.

        Accounting calls this without going through the controller, so the controller's catch-up hook
        (`_sync`, set by the Cluster) runs first: history read at time T shows what happened up to T."""
        sync = getattr(self, "_sync", None)
        if sync is not None:
            now = sync() if now is None else now
        held = self._held_nodes()
        nodes = list(held)
        node_str = compress(nodes) if nodes else "None assigned"
        start = int(self.start_time) if self.start_time is not None else 0
        end = int(self.end_time) if self.end_time is not None else 0
        if now is None:
            now = self.last_update
        elapsed = (end - start) if start and end else (int(now) - start if start else 0)
        alloc_cpus = sum(a[0] for a in held.values())
        alloc_mem = sum(a[1] for a in held.values())
        requested = self._tres_list(self.cpus, self.memory_request(), max(1, self.min_nodes), False)
        allocated = self._tres_list(alloc_cpus, alloc_mem, len(nodes), True) if start else []
        steps = []
        usage = getattr(self, "_usage", None)       # execute mode: what the batch script's processes used
        cpu = _cpu_times(usage)
        if start:
            ending = ENDINGS[self.ending] if self.finished else None
            step_end = end + 1 if ending and ending.db_clean else end
            steps.append({
                "time": {"elapsed": (step_end - start) if end else elapsed, "end": step_end, "start": start,
                         "suspended": 0, "system": cpu["system"], "limit": INFINITE,
                         "total": cpu["total"], "user": cpu["user"]},
                "exit_code": self.exit_code(),
                "nodes": {"count": 1, "range": nodes[0] if nodes else "", "list": nodes[:1]},
                "tasks": {"count": 1}, "pid": "",
                "CPU": {"requested_frequency": {"min": 0, "max": 0}, "governor": "0"},
                "kill_request_user": self.kill_request_user,
                "state": [ending.step_state if ending else "RUNNING"],
                "statistics": {"CPU": {"actual_frequency": 0}, "energy": {"consumed": 0}},
                "step": {"id": f"{self.job_id}.batch", "name": "batch", "stderr": "", "stdin": "", "stdout": "",
                         "stderr_expanded": "", "stdin_expanded": "", "stdout_expanded": ""},
                "task": {"distribution": "Unknown"},
                "tres": {"requested": _usage_tres(usage),
                         "consumed": {"max": [], "min": [], "average": [], "total": []},
                         "allocated": [t for t in allocated if t["type"] in ("cpu", "mem", "node")]},
            })
            more = getattr(self, "_exec_steps", None)     # execute mode: the srun steps, from the shim
            if more is not None:
                steps += more(now)
        eligible = int(self.eligible_time or 0)
        planned = (start - eligible) if start else (int(now) - eligible if eligible else 0)
        out_pattern = self.output_pattern()
        err_pattern = self.desc.get("standard_error") or ""
        in_pattern = self.desc.get("standard_input") or "/dev/null"
        return {
            "account": self.account, "comment": {"administrator": self.admin_comment, "job": self.comment,
                                                 "system": ""},
            "allocation_nodes": len(nodes),
            "array": {"job_id": self.array_job_id or 0,
                      "limits": {"max": {"running": {"tasks": self.array_max_tasks}}},
                      "task_id": self.array_task_id, "task": pending_task_mask(getattr(self, "pending_tasks", ()))},
            # what real slurmdbd 25.11 answers: only the id is filled in the job's association
            "association": {"account": "", "cluster": self.cluster, "partition": "", "user": "",
                            "id": self.association_id},
            "block": "", "cluster": self.cluster, "constraints": self.desc.get("constraints") or "",
            "container": "", "derived_exit_code": dict(_OK_EXIT),
            "time": {"elapsed": elapsed, "eligible": eligible, "end": end, "planned": planned, "start": start,
                     "submission": int(self.submit_time), "suspended": 0, "system": cpu["system"],
                     "limit": self.time_limit, "total": cpu["total"], "user": cpu["user"]},
            "exit_code": self._db_exit_code(), "extra": self.desc.get("extra") or "", "failed_node": "",
            "flags": ["STARTED_ON_SCHEDULE", "START_RECEIVED"] if start else [],
            "group": self.group_name, "het": {"job_id": self.het_job_id or 0, "job_offset": self.het_job_offset},
            # slurmdbd stores a job without a name as "allocation" (as_mysql_job.c, job start)
            "job_id": self.job_id, "name": self.name or "allocation", "licenses": self.licenses, "mcs": {"label": ""},
            "nodes": node_str, "partition": self.partition, "hold": self.hold is not None,
            "priority": 0 if self.hold else self.priority, "qos": self.qos, "qosreq": self.desc.get("qos") or "",
            "required": {"CPUs": self.cpus, "memory_per_cpu": self.memory_per_cpu,
                         "memory_per_node": self.memory_per_node},
            "kill_request_user": self.kill_request_user, "restart_cnt": self.requeue_count,
            "reservation": {"id": 0, "name": self.desc.get("reservation") or "", "requested": ""},
            "script": "", "segment_size": 0,
            "stdin_expanded": self.expand(in_pattern), "stdout_expanded": self.expand(out_pattern),
            "stderr_expanded": self.expand(err_pattern),
            "stdout": out_pattern, "stderr": err_pattern,
            "stdin": in_pattern, "state": {"current": [self.state], "reason": "None"},
            "steps": steps, "submit_line": self.submit_line,
            "tres": {"allocated": allocated, "requested": requested},
            "used_gres": "", "user": self.user_name, "wckey": {"wckey": "", "flags": []},
            "working_directory": self.desc.get("current_working_directory") or "",
        }


def _cpu_times(usage: dict | None) -> dict:
    """{"user", "system", "total"} as slurmdb time values, from execute mode's measured usage (or none)."""
    if not usage:
        return {k: dict(_NO_CPU_TIME) for k in ("user", "system", "total")}
    user, system = float(usage.get("user", 0)), float(usage.get("system", 0))
    return {"user": _timeval(user), "system": _timeval(system), "total": _timeval(user + system)}


def _timeval(seconds: float) -> dict:
    whole = int(seconds)
    return {"seconds": whole, "microseconds": int(round((seconds - whole) * 1_000_000))}


def _usage_tres(usage: dict | None) -> dict:
    """TRES usage as jobacct_gather counts it: CPU time in milliseconds, memory (max RSS) in bytes."""
    if not usage:
        return {"max": [], "min": [], "average": [], "total": []}
    tres = [{"type": "cpu", "name": "", "id": 1,
             "count": int(round((usage.get("user", 0) + usage.get("system", 0)) * 1000))},
            {"type": "mem", "name": "", "id": 2, "count": int(usage.get("max_rss_kb", 0)) * 1024}]
    return {"max": tres, "min": tres, "average": tres, "total": tres}


def _csv(value) -> str:
    if not value:
        return ""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _plain_int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def pending_task_mask(tasks) -> str:
    """slurmdbd's `array.task` of an array's pending record: its pending task ids as the hex bitmap slurmctld
    stores (leading zeros trimmed), e.g. tasks 1-100 → "0x1FFFFFFFFFFFFFFFFFFFFFFFFE" (measured on 26.05.5);
    "" once no task is pending and on every other record."""
    mask = sum(1 << t for t in set(tasks))
    return f"0x{mask:X}" if mask else ""
