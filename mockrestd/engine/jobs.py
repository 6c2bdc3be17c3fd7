"""A job on the emulated controller, and how it reads as a `job_info` record and a slurmdb `job` record.

The lifecycle is data: `ENDINGS` says how each way of ending reads (state, reason, exit status), so the
rules of what a finished job looks like live in one table, not in every code path that ends a job."""

from __future__ import annotations

from dataclasses import dataclass, field

from .runtime import SIGNAL_NAMES, Plan
from .values import INFINITE

YEAR = 365 * 86400

# how a job reads once it ended this way: base state, state_reason, exit status words
ENDINGS = {
    "completed": ("COMPLETED", "None", ["SUCCESS"]),
    "failed": ("FAILED", "NonZeroExitCode", ["ERROR"]),
    "signaled": ("FAILED", "RaisedSignal", ["SIGNALED"]),
    "timeout": ("TIMEOUT", "TimeLimit", ["SIGNALED"]),
    "cancelled": ("CANCELLED", "None", ["SIGNALED"]),
    "cancelled_pending": ("CANCELLED", "None", ["SUCCESS"]),
    "oom": ("OUT_OF_MEMORY", "OutOfMemory", ["ERROR"]),
}
FINISHED = {"COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL",
            "DEADLINE", "PREEMPTED"}


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
    association_id: int = 0
    cpus: int = 1
    tasks: int = 1
    cpus_per_task: int = 1
    min_nodes: int = 1
    memory_per_node: int | None = None
    memory_per_cpu: int | None = None
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
    last_eval: float | None = None
    alloc: dict = field(default_factory=dict)   # node name -> (cpus, memory)
    exit_status: list = field(default_factory=lambda: [])
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

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def running(self) -> bool:
        return self.state == "RUNNING"

    def states(self) -> list[str]:
        flags = ["COMPLETING"] if self.completing_until is not None else []
        return [self.state] + flags

    def end(self, how: str, t: float, *, return_code: int | None = None, signal: int | None = None) -> None:
        state, reason, status = ENDINGS[how]
        self.state, self.reason, self.exit_status = state, reason, list(status)
        self.end_time = t
        self.return_code = return_code if return_code is not None else (0 if how != "signaled" else None)
        self.signal = signal
        if how in ("timeout", "cancelled") and signal is None:
            self.signal = 15

    def id_string(self) -> str:
        if self.array_task_id is not None:
            return f"{self.job_id}_{self.array_task_id}"
        if self.het_job_id is not None:
            return f"{self.het_job_id}+{self.het_job_offset}"
        return str(self.job_id)

    # ---- records ------------------------------------------------------------------------------------------
    def _exit_code(self) -> dict:
        if not self.finished:
            return {"status": [], "return_code": None, "signal": {"id": None, "name": ""}}
        return {"status": self.exit_status, "return_code": self.return_code,
                "signal": {"id": self.signal, "name": SIGNAL_NAMES.get(self.signal, "") if self.signal else ""}}

    def _end_for_record(self):
        if self.end_time is not None:
            return int(self.end_time)
        if self.start_time is not None:
            if self.time_limit is INFINITE:
                return int(self.start_time + YEAR)
            return int(self.start_time + self.time_limit * 60)
        return 0

    def _out(self, key: str, default: str) -> tuple[str, str]:
        raw = self.desc.get(key) or default
        expanded = raw.replace("%j", str(self.job_id)).replace("%x", self.name).replace("%u", self.user_name)
        if self.array_task_id is not None:
            expanded = expanded.replace("%A", str(self.array_job_id)).replace("%a", str(self.array_task_id))
        cwd = self.desc.get("current_working_directory") or "/tmp"
        if not expanded.startswith("/"):
            expanded = cwd.rstrip("/") + "/" + expanded
        return raw, expanded

    def record(self, *, array_pending: str | None = None) -> dict:
        """The v0.0.44 `job_info` record (plain values; the renderer shapes them)."""
        nodes = list(self.alloc)
        from .hostlist import compress
        node_str = compress(nodes) if nodes else ""
        mem_total = sum(m for _, m in self.alloc.values())
        out_raw, out_exp = self._out("standard_output", "slurm-%j.out")
        err_raw, err_exp = self._out("standard_error", self.desc.get("standard_output") or "slurm-%j.out")
        pending = self.state == "PENDING"
        rec = {
            "account": self.account, "accrue_time": int(self.eligible_time or self.submit_time),
            "allocating_node": "mockrestd", "association_id": self.association_id, "batch_flag": True,
            "batch_host": nodes[0] if nodes else "", "cluster": self.cluster,
            "flags": ["EXACT_TASK_COUNT_REQUESTED"] + (["JOB_WAS_RUNNING"] if self.start_time else []),
            "command": "", "comment": self.comment, "admin_comment": self.admin_comment,
            "current_working_directory": self.desc.get("current_working_directory") or "",
            "array_job_id": self.array_job_id or 0, "array_task_id": self.array_task_id,
            "array_max_tasks": self.array_max_tasks, "array_task_string": array_pending or "",
            "cpus_per_task": self.cpus_per_task, "billable_tres": float(self.cpus),
            "deadline": 0, "delay_boot": 0, "dependency": self.dependency,
            "derived_exit_code": self._exit_code() if self.finished else
            {"status": ["SUCCESS"], "return_code": 0, "signal": {"id": None, "name": ""}},
            "eligible_time": int(self.eligible_time) if self.eligible_time else 0,
            "end_time": self._end_for_record(), "exit_code": self._exit_code(),
            "group_id": self.user_id, "group_name": self.group_name,
            "het_job_id": self.het_job_id or 0, "het_job_id_set": self.het_job_id_set,
            "het_job_offset": self.het_job_offset if self.het_job_id is not None else None,
            "job_id": self.job_id, "job_state": self.states(),
            "job_resources": self._job_resources() if nodes else None,
            "last_sched_evaluation": int(self.last_eval) if self.last_eval else 0,
            "licenses": self.licenses, "licenses_allocated": self.licenses if self.start_time else "",
            "mail_type": [], "mail_user": self.user_name, "max_cpus": 0, "max_nodes": 0,
            "name": self.name, "nodes": node_str, "nice": self.desc.get("nice") or 0,
            "tasks_per_core": INFINITE, "tasks_per_socket": INFINITE, "tasks_per_node": 0, "tasks_per_board": 0,
            "cpus": self.cpus, "node_count": len(nodes) if nodes else self.min_nodes, "tasks": self.tasks,
            "partition": self.partition, "memory_per_node": self.memory_per_node,
            "memory_per_cpu": self.memory_per_cpu, "minimum_cpus_per_node": self.cpus_per_task,
            "minimum_tmp_disk_per_node": 0,
            "hold": self.hold is not None, "priority": 0 if self.hold else self.priority,
            "profile": ["NOT_SET"], "qos": self.qos, "reboot": False, "requeue": True,
            "restart_cnt": self.requeue_count, "shared": [], "thread_spec": 32766, "core_spec": 0,
            "step_id": {"job_id": self.job_id, "step_id": "entire", "sluid": ""},
            "start_time": int(self.start_time) if self.start_time else 0,
            "state_description": "", "state_reason": self.reason,
            "standard_input": self.desc.get("standard_input") or "/dev/null",
            "standard_output": out_raw, "standard_error": err_raw if self.desc.get("standard_error") else "",
            "stdin_expanded": self.desc.get("standard_input") or "/dev/null",
            "stdout_expanded": out_exp, "stderr_expanded": err_exp,
            "submit_time": int(self.submit_time), "submit_line": self.submit_line,
            "suspend_time": 0, "system_comment": "", "time_limit": self.time_limit, "time_minimum": 0,
            "tres_req_str": self._tres(self.cpus, self._mem_request(), max(1, self.min_nodes)),
            "tres_alloc_str": self._tres(self.cpus, mem_total, len(nodes)) if nodes else "",
            "user_id": self.user_id, "user_name": self.user_name, "wckey": "",
            "resize_time": 0, "preempt_time": 0, "pre_sus_time": 0, "contiguous": False,
            "cores_per_socket": None, "sockets_per_node": None, "threads_per_core": None,
            "cpu_frequency_minimum": None, "cpu_frequency_maximum": None, "cpu_frequency_governor": None,
            "required_nodes": self.desc.get("required_nodes") or "", "excluded_nodes": "",
            "features": self.desc.get("constraints") or "", "scheduled_nodes": "",
            "gres_detail": [], "container": "", "container_id": "", "burst_buffer": "", "burst_buffer_state": "",
            "batch_features": "", "cluster_features": "", "cpus_per_tres": "", "cron": "", "extra": "",
            "failed_node": "", "federation_origin": "", "federation_siblings_active": "",
            "federation_siblings_viable": "", "job_size_str": [], "mcs_label": "", "memory_per_tres": "",
            "network": "", "prefer": "", "resv_name": self.desc.get("reservation") or "",
            "selinux_context": "", "tres_bind": "", "tres_freq": "", "tres_per_job": "", "tres_per_node": "",
            "tres_per_socket": "", "tres_per_task": "", "maximum_switch_wait_time": 0, "power": {"flags": []},
            "priority_by_partition": [], "required_switches": 0, "segment_size": 0, "sockets_per_board": 0,
        }
        if pending:
            rec["flags"] = ["EXACT_TASK_COUNT_REQUESTED"]
        return rec

    def _mem_request(self) -> int:
        if self.memory_per_node:
            return self.memory_per_node * max(1, self.min_nodes)
        if self.memory_per_cpu:
            return self.memory_per_cpu * self.cpus
        return 0

    @staticmethod
    def _tres(cpus: int, mem_mb: int, nodes: int) -> str:
        mem = f"{mem_mb // 1024}G" if mem_mb and mem_mb % 1024 == 0 else f"{mem_mb}M"
        parts = [f"cpu={cpus}"] + ([f"mem={mem}"] if mem_mb else []) + [f"node={nodes}", f"billing={cpus}"]
        return ",".join(parts)

    def _job_resources(self) -> dict:
        allocation = []
        for index, (node, (cpus, mem)) in enumerate(self.alloc.items()):
            allocation.append({"index": index, "name": node, "cpus": {"count": cpus, "used": 0},
                               "memory": {"used": 0, "allocated": mem},
                               "sockets": [{"index": 0, "cores": [{"index": i, "status": ["ALLOCATED"]}
                                                                  for i in range(cpus)]}]})
        from .hostlist import compress
        return {"select_type": ["CORE"], "nodes": {"count": len(self.alloc), "select_type": ["ONE_ROW"],
                                                   "list": compress(list(self.alloc)), "whole": False,
                                                   "allocation": allocation},
                "cpus": self.cpus, "threads_per_core": {"count": 1}}

    def db_record(self) -> dict:
        """The v0.0.44 slurmdb `job` record, with its batch step once the job has started."""
        nodes = list(self.alloc) or list(getattr(self, "_last_nodes", []))
        from .hostlist import compress
        node_str = compress(nodes) if nodes else "None assigned"
        end = int(self.end_time) if self.end_time else 0
        start = int(self.start_time) if self.start_time else 0
        elapsed = (end or 0) - start if start and end else 0
        tres = [{"type": "cpu", "name": "", "id": 1, "count": self.cpus},
                {"type": "node", "name": "", "id": 4, "count": max(1, len(nodes) or self.min_nodes)}]
        mem = self._mem_request()
        if mem:
            tres.insert(1, {"type": "mem", "name": "", "id": 2, "count": mem})
        state = self.state
        exit_code = self._exit_code() if self.finished else {"status": ["SUCCESS"], "return_code": 0,
                                                              "signal": {"id": None, "name": ""}}
        if state == "TIMEOUT":   # accounting sees the job itself end cleanly, its batch step killed by TERM
            exit_code = {"status": ["SUCCESS"], "return_code": 0, "signal": {"id": None, "name": ""}}
        steps = []
        if start:
            step_state = "RUNNING" if self.running else ("CANCELLED" if state in ("TIMEOUT", "CANCELLED")
                                                        else state)
            steps.append({
                "time": {"elapsed": elapsed, "end": end or None, "start": start, "suspended": 0,
                         "limit": INFINITE, "system": {"seconds": 0, "microseconds": 0},
                         "total": {"seconds": 0, "microseconds": 0}, "user": {"seconds": 0, "microseconds": 0}},
                "exit_code": self._exit_code() if self.finished else {"status": [], "return_code": None,
                                                                      "signal": {"id": None, "name": ""}},
                "nodes": {"count": len(nodes), "range": node_str, "list": nodes}, "tasks": {"count": 1},
                "pid": "", "kill_request_user": "", "state": [step_state],
                "step": {"id": f"{self.job_id}.batch", "name": "batch"},
                "task": {"distribution": "Unknown"},
                "tres": {"requested": {"max": [], "min": [], "average": [], "total": []},
                         "consumed": {"max": [], "min": [], "average": [], "total": []}, "allocated": tres},
            })
        return {
            "account": self.account, "allocation_nodes": len(nodes),
            "array": {"job_id": self.array_job_id or 0, "task_id": self.array_task_id,
                      "task": "", "limits": {"max": {"running": {"tasks": self.array_max_tasks}}}},
            "association": {"account": self.account, "cluster": self.cluster, "partition": "",
                            "user": self.user_name, "id": self.association_id},
            "cluster": self.cluster, "comment": {"administrator": self.admin_comment, "job": self.comment,
                                                 "system": ""},
            "derived_exit_code": exit_code, "exit_code": exit_code,
            "time": {"elapsed": elapsed if not self.running else 0, "eligible": int(self.eligible_time or 0),
                     "end": end, "start": start, "submission": int(self.submit_time),
                     "limit": self.time_limit, "planned": (start - int(self.submit_time)) if start else None,
                     "suspended": 0, "system": {"seconds": 0, "microseconds": 0},
                     "total": {"seconds": 0, "microseconds": 0}, "user": {"seconds": 0, "microseconds": 0}},
            "flags": ["STARTED_ON_SCHEDULE", "START_RECEIVED"] if start else [],
            "group": self.group_name, "het": {"job_id": self.het_job_id or 0, "job_offset": self.het_job_offset},
            "job_id": self.job_id, "name": self.name, "nodes": node_str, "partition": self.partition,
            "priority": self.priority, "qos": self.qos,
            "required": {"CPUs": self.cpus, "memory_per_cpu": self.memory_per_cpu,
                         "memory_per_node": self.memory_per_node},
            "script": self.desc.get("script") or "", "submit_line": self.submit_line,
            "state": {"current": [state], "reason": self.reason},
            "stdin": self.desc.get("standard_input") or "/dev/null", "stdout": self._out("standard_output",
                                                                                        "slurm-%j.out")[0],
            "stdout_expanded": self._out("standard_output", "slurm-%j.out")[1],
            "steps": steps, "tres": {"allocated": tres if start else [], "requested": tres},
            "user": self.user_name, "working_directory": self.desc.get("current_working_directory") or "",
            "wckey": {"wckey": "", "flags": []}, "kill_request_user": "", "restart_cnt": self.requeue_count,
            "reservation": {"id": 0, "name": ""}, "exit_code_status": None,
        }
