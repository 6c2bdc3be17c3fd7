"""Nodes: what each holds, its states and `scontrol update node` words, its v0.0.44 record, and the
operator requests that update, create and delete nodes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SlurmError
from .gres import _count_by_name, _mem_str, gres_text, parse_gres
from .fields import node_names

# update_node_msg `state` words → what they do to a node
_STATE_WORDS = {"DRAIN": "drain", "DRAINING": "drain", "DRAINED": "drain", "RESUME": "resume",
                "UNDRAIN": "undrain", "IDLE": "resume", "DOWN": "down", "FAIL": "drain", "FAILING": "drain",
                "FUTURE": "future", "POWER_DOWN": "noop", "POWER_UP": "noop", "POWER_DOWN_ASAP": "noop",
                "POWER_DOWN_FORCE": "noop", "UNKNOWN": "noop", "CLOUD": "noop", "NO_RESPOND": "noop",
                "REBOOT_ISSUED": "noop", "REBOOT_REQUESTED": "noop", "RESERVED": "noop",
                "MAINTENANCE": "noop", "PLANNED": "noop", "MIXED": "noop", "ALLOCATED": "noop",
                "COMPLETING": "noop", "INVALID": "noop"}


_STATE_FLAGS_SHOWN = ("DRAIN", "COMPLETING", "CLOUD", "POWERED_DOWN", "MAINTENANCE", "RESERVED", "PLANNED")


@dataclass
class Node:
    name: str
    cpus: int
    real_memory: int
    sockets: int = 1
    cores_per_socket: int = 1
    threads_per_core: int = 1
    features: list = field(default_factory=list)
    gres: str = ""
    base_state: str = "IDLE"          # IDLE | DOWN | FUTURE (allocation decides ALLOCATED/MIXED)
    flags: set = field(default_factory=set)        # DRAIN, CLOUD, POWERED_DOWN, ...
    reason: str = ""
    reason_set_by_user: str = ""
    reason_changed_at: float = 0
    comment: str = ""
    extra: str = ""
    boot_time: float = 0
    jobs: dict = field(default_factory=dict)       # job id -> [cpus, mem, [[gres, type, idx], ...], [cpu ids]]
    last_busy: float = 0
    weight: int = 1
    completing_until: float = 0
    gres_slots: list = field(default_factory=list)

    @classmethod
    def from_config(cls, name: str, conf: dict, now: float) -> "Node":
        cpus = int(conf.get("cpus", 1))
        sockets = int(conf.get("sockets", 1))
        gres = conf.get("gres", "") or ""
        gres = ",".join(gres) if isinstance(gres, list) else str(gres)
        node = cls(name=name, cpus=cpus, real_memory=int(conf.get("real_memory", 1000)), sockets=sockets,
                   cores_per_socket=int(conf.get("cores_per_socket", max(1, cpus // max(1, sockets)))),
                   threads_per_core=int(conf.get("threads_per_core", 1)), features=list(conf.get("features", [])),
                   gres=gres, boot_time=now - 86400, last_busy=now, weight=int(conf.get("weight", 1)))
        node.gres_slots = parse_gres(gres)
        state = str(conf.get("state", "")).upper()
        if state in ("DOWN", "FUTURE"):
            node.base_state = state
        elif state == "DRAIN":
            node.flags.add("DRAIN")
        elif state == "CLOUD":
            node.flags |= {"CLOUD", "POWERED_DOWN"}
        if conf.get("reason"):
            node.reason, node.reason_set_by_user, node.reason_changed_at = conf["reason"], "root", now
        return node

    # ---- what is in use -----------------------------------------------------------------------------------
    def alloc_cpus(self) -> int:
        return sum(a[0] for a in self.jobs.values())

    def alloc_mem(self) -> int:
        return sum(a[1] for a in self.jobs.values())

    def free_cpus(self) -> int:
        return self.cpus - self.alloc_cpus()

    def free_mem(self) -> int:
        return self.real_memory - self.alloc_mem()

    def used_slots(self) -> list:
        return [s for a in self.jobs.values() for s in a[2]]

    def free_slots(self, name: str, gtype: str = "") -> list:
        used = {tuple(s) for s in self.used_slots()}
        return [s for s in self.gres_slots if s[0] == name and (not gtype or s[1] == gtype) and tuple(s) not in used]

    def usable(self, now: float) -> bool:
        return self.base_state == "IDLE" and "DRAIN" not in self.flags

    def free_cpu_ids(self) -> list[int]:
        used = {i for a in self.jobs.values() for i in a[3]}
        return [i for i in range(self.cpus) if i not in used]

    def hold(self, job_id: int, cpus: int, mem: int, gres=(), cpu_ids=None) -> list:
        """Give the job `cpus` CPUs (lowest free ids), `mem` MB and the GRES slots; returns its entry."""
        c, m, g, ids = self.jobs.get(job_id, [0, 0, [], []])
        cpu_ids = list(cpu_ids) if cpu_ids is not None else self.free_cpu_ids()[:cpus]
        self.jobs[job_id] = entry = [c + cpus, m + mem, list(g) + [list(s) for s in gres], ids + cpu_ids]
        self.flags.discard("POWERED_DOWN")
        return entry

    def release(self, job_id: int, now: float = 0.0, completing: float = 0.0) -> None:
        if self.jobs.pop(job_id, None) is not None:
            self.last_busy = now
            if completing:
                self.completing_until = max(self.completing_until, now + completing)

    def states(self, now: float = 0.0) -> list[str]:
        if self.base_state in ("DOWN", "FUTURE"):
            base = self.base_state
        elif not self.jobs:
            base = "IDLE"
        elif self.alloc_cpus() >= self.cpus:
            base = "ALLOCATED"
        else:
            base = "MIXED"
        flags = set(self.flags)
        if self.completing_until > now:
            flags.add("COMPLETING")
        return [base] + [f for f in _STATE_FLAGS_SHOWN if f in flags]

    def update(self, desc: dict, user: str, now: float) -> None:
        words = desc.get("state") or []
        words = [words] if isinstance(words, str) else words
        actions = []
        for word in words:
            action = _STATE_WORDS.get(str(word).upper())
            if action is None:
                raise SlurmError(2028, f"Invalid node state specified: {word}", "slurm_update_node()")
            actions.append(action)
        for action in actions:
            if action == "drain":
                self.flags.add("DRAIN")
                self.reason_set_by_user, self.reason_changed_at = user, now
            elif action in ("resume", "undrain"):
                self.flags.discard("DRAIN")
                if action == "resume" and self.base_state in ("DOWN", "FUTURE"):
                    self.base_state = "IDLE"
                self.reason, self.reason_set_by_user, self.reason_changed_at = "", "", 0
            elif action == "down":
                self.base_state = "DOWN"
                self.reason_set_by_user, self.reason_changed_at = user, now
            elif action == "future":
                self.base_state = "FUTURE"
        if desc.get("reason"):
            self.reason, self.reason_set_by_user, self.reason_changed_at = desc["reason"], user, now
        for key in ("comment", "extra"):
            if desc.get(key) is not None:
                setattr(self, key, desc[key])
        for key in ("features", "features_act"):
            if desc.get(key) is not None:
                feats = desc[key]
                self.features = feats if isinstance(feats, list) else [f for f in str(feats).split(",") if f]
        if desc.get("gres") is not None:
            self.gres = str(desc["gres"])
            self.gres_slots = parse_gres(self.gres)
        if isinstance(desc.get("weight"), int):
            self.weight = desc["weight"]

    def record(self, cluster) -> dict:
        now = cluster.clock.now()
        alloc_cpus, alloc_mem = self.alloc_cpus(), self.alloc_mem()
        parts = [p.name for p in cluster.partitions.values() if self.name in p.node_names]
        used = self.used_slots()
        if self.gres_slots:
            typed = any(s[1] for s in self.gres_slots)
            gres_used = gres_text(used, used=True) if used else \
                ",".join(f"{n}:{t}:0(IDX:N/A)" if t else f"{n}:0" for n, t in
                         dict.fromkeys((s[0], s[1]) for s in self.gres_slots))
            if not typed and used:
                gres_used = gres_text(used)
        else:
            gres_used = ""
        tres_used = f"cpu={alloc_cpus},mem={_mem_str(alloc_mem)}" if alloc_cpus else ""
        if used:
            tres_used += "," + ",".join(f"gres/{n}={c}" for n, c in
                                        _count_by_name(used).items())
        return {
            "architecture": "x86_64", "burstbuffer_network_address": "", "boards": 1,
            "boot_time": int(self.boot_time), "tls_cert_last_renewal": 0, "cert_flags": [], "cluster_name": "",
            "cores": self.cores_per_socket, "specialized_cores": 0, "cpu_binding": 0,
            "cpu_load": 100 * alloc_cpus // max(1, self.cpus) if self.jobs else 0,
            "free_mem": max(0, self.real_memory - alloc_mem), "cpus": self.cpus, "effective_cpus": self.cpus,
            "specialized_cpus": "", "specialized_memory": 0,
            "energy": {"average_watts": 0, "base_consumed_energy": 0, "consumed_energy": 0, "current_watts": 0,
                       "previous_consumed_energy": 0, "last_collected": 0},
            "external_sensors": {}, "extra": self.extra, "power": {},
            "features": list(self.features), "active_features": list(self.features),
            "gpu_spec": "", "gres": self.gres, "gres_drained": "N/A", "gres_used": gres_used,
            "instance_id": "", "instance_type": "",
            "last_busy": int(now if self.jobs else self.last_busy), "mcs_label": "", "name": self.name,
            "next_state_after_reboot": ["INVALID"], "address": self.name, "hostname": self.name,
            "state": self.states(now), "operating_system": "Linux 6.12.0 mockrestd", "owner": "",
            "partitions": parts, "port": 6818, "real_memory": self.real_memory, "res_cores_per_gpu": 0,
            "comment": self.comment, "reason": self.reason, "reason_changed_at": int(self.reason_changed_at),
            "reason_set_by_user": self.reason_set_by_user, "resume_after": 0,
            "reservation": ",".join(r.name for r in cluster.reservations.values()
                                    if self.name in r.nodes and r.active(now)),
            "alloc_memory": alloc_mem, "alloc_cpus": alloc_cpus, "alloc_idle_cpus": self.cpus - alloc_cpus,
            "tres_used": tres_used, "tres_weighted": 0.0, "slurmd_start_time": int(self.boot_time),
            "sockets": self.sockets, "threads": self.threads_per_core, "temporary_disk": 0, "weight": self.weight,
            "topology": "", "tres": f"cpu={self.cpus},mem={_mem_str(self.real_memory)},billing={self.cpus}"
                                    + "".join(f",gres/{n}={c}" for n, c in _count_by_name(self.gres_slots).items()),
            "version": cluster.release,
        }


class NodesMixin:
    """GET/POST/DELETE node(s)."""

    def node_records(self) -> list[dict]:
        self.sync()
        return [n.record(self) for n in self.nodes.values()]

    def node_record(self, name: str):
        self.sync()
        node = self.nodes.get(name)
        return node.record(self) if node else None

    def fail_node(self, name: str, reason: str = "Not responding") -> list[int]:
        """A node stops responding (control API event `node_fail`). slurmctld sets it DOWN and kills its
        jobs (kill_running_job_by_node_ptr, 25.11.7): a batch job that may be requeued (JobRequeue, the
        job's `requeue`) is, its run recorded as NODE_FAIL, and waits like any requeued job; any other ends
        NODE_FAIL, reason NodeDown. In execute mode their processes are killed at once."""
        from .conf import SLURM_CONF_BASE
        from .requeue import REQUEUE_DELAY
        self.sync()
        if name not in self.nodes:
            raise SlurmError(2018, f"Invalid node name specified: {name}", "fail_node")
        self.nodes[name].update({"state": ["DOWN"], "reason": reason}, self.slurm_user, self._t)
        hit = [j for j in self.jobs.values() if j.running and name in j.alloc]
        completing = self._completing_time()
        requeue = self.config.get("slurm_conf", {}).get("JobRequeue", SLURM_CONF_BASE["JobRequeue"])
        delay = float(self.runtime.get("requeue_delay", REQUEUE_DELAY))
        for job in hit:
            if self.execution is not None:
                self.execution.kill(job)
            if requeue and job.desc.get("requeue") is not False:
                self._release(job, completing)
                job.end_time = self._t
                self.accounting.record_requeue(job, state=["NODE_FAIL"])
                job.requeue(self._t, begin_delay=delay)
                if completing:
                    job.completing_until = self._t + completing
                    self._push(job.completing_until, "uncomplete", job.job_id)
                self._push(job.begin_time, "sched")
            else:
                job.end("node_fail", self._t, signal=1, completing=completing)
                self._finish(job)
            self._touch(job)
        self._push(self._t, "sched")
        return [j.job_id for j in hit]

    def update_nodes(self, names, desc: dict, as_user: str) -> list:
        """POST node(s): operators only (2010); DRAIN needs no reason; jobs keep running on a drained node."""
        self.sync()
        self._operator_only(as_user, "slurm_update_node()")
        if isinstance(names, str):
            names = [names]
        names = node_names(names, f"Invalid node name specified: {','.join(names)}", "slurm_update_node()")
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
        names = node_names(fields.get("nodename", ""), "Invalid node name specified", "slurm_create_node()")
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
