"""Nodes, partitions, reservations and licenses, and how each reads as its v0.0.44 record."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import SlurmError
from .hostlist import compress, expand
from .values import INFINITE

# update_node_msg `state` words → what they do to a node
_STATE_WORDS = {"DRAIN": "drain", "DRAINING": "drain", "RESUME": "resume", "UNDRAIN": "resume",
                "IDLE": "resume", "DOWN": "down", "FAIL": "drain", "FUTURE": "future", "POWER_DOWN": "noop",
                "POWER_UP": "noop", "UNKNOWN": "noop", "CLOUD": "noop", "NO_RESPOND": "noop",
                "REBOOT_ISSUED": "noop", "RESERVED": "noop", "MAINTENANCE": "noop"}


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
    base_state: str = "IDLE"          # IDLE | DOWN (allocation decides ALLOCATED/MIXED)
    flags: set = field(default_factory=set)        # DRAIN, ...
    reason: str = ""
    reason_set_by_user: str = ""
    reason_changed_at: float = 0
    comment: str = ""
    extra: str = ""
    boot_time: float = 0
    jobs: dict = field(default_factory=dict)       # job id -> (cpus, mem)
    last_busy: float = 0
    weight: int = 1

    @classmethod
    def from_config(cls, name: str, conf: dict, now: float) -> "Node":
        cpus = int(conf.get("cpus", 1))
        return cls(name=name, cpus=cpus, real_memory=int(conf.get("real_memory", 1000)),
                   sockets=int(conf.get("sockets", 1)), cores_per_socket=int(conf.get("cores_per_socket", cpus)),
                   threads_per_core=int(conf.get("threads_per_core", 1)),
                   features=list(conf.get("features", [])), gres=conf.get("gres", ""), boot_time=now - 86400,
                   last_busy=now)

    def alloc_cpus(self) -> int:
        return sum(c for c, _ in self.jobs.values())

    def alloc_mem(self) -> int:
        return sum(m for _, m in self.jobs.values())

    def free_cpus(self) -> int:
        return self.cpus - self.alloc_cpus()

    def free_mem(self) -> int:
        return self.real_memory - self.alloc_mem()

    def usable(self, now: float) -> bool:
        return self.base_state != "DOWN" and "DRAIN" not in self.flags and "FUTURE" not in self.flags

    def hold(self, job_id: int, cpus: int, mem: int) -> None:
        c, m = self.jobs.get(job_id, (0, 0))
        self.jobs[job_id] = (c + cpus, m + mem)

    def release(self, job_id: int, cpus: int, mem: int) -> None:
        c, m = self.jobs.get(job_id, (0, 0))
        c, m = c - cpus, m - mem
        if c <= 0:
            self.jobs.pop(job_id, None)
        else:
            self.jobs[job_id] = (c, m)

    def states(self) -> list[str]:
        if self.base_state == "DOWN":
            base = "DOWN"
        elif not self.jobs:
            base = "IDLE"
        elif self.alloc_cpus() >= self.cpus:
            base = "ALLOCATED"
        else:
            base = "MIXED"
        flags = sorted(self.flags & {"DRAIN", "CLOUD", "FUTURE", "MAINTENANCE", "RESERVED"})
        return [base] + flags

    def update(self, desc: dict, user: str, now: float) -> None:
        for word in desc.get("state") or []:
            action = _STATE_WORDS.get(str(word).upper())
            if action is None:
                raise SlurmError(2028, f"Invalid node state specified: {word}", "slurm_update_node()")
            if action == "drain":
                self.flags.add("DRAIN")
            elif action == "resume":
                self.flags.discard("DRAIN")
                self.flags.discard("FUTURE")
                if self.base_state == "DOWN":
                    self.base_state = "IDLE"
                self.reason, self.reason_set_by_user = "", ""
            elif action == "down":
                self.base_state = "DOWN"
            elif action == "future":
                self.flags.add("FUTURE")
        if desc.get("reason"):
            self.reason, self.reason_set_by_user, self.reason_changed_at = desc["reason"], user, now
        for key in ("comment", "extra"):
            if desc.get(key) is not None:
                setattr(self, key, desc[key])
        if desc.get("features") is not None:
            feats = desc["features"]
            self.features = feats if isinstance(feats, list) else [f for f in str(feats).split(",") if f]
        if isinstance(desc.get("weight"), int):
            self.weight = desc["weight"]

    def record(self, cluster) -> dict:
        alloc_cpus, alloc_mem = self.alloc_cpus(), self.alloc_mem()
        parts = [p.name for p in cluster.partitions.values() if self.name in p.node_names]
        mem_str = f"{self.real_memory // 1024}G" if self.real_memory % 1024 == 0 else f"{self.real_memory}M"
        return {
            "architecture": "x86_64", "boards": 1, "boot_time": int(self.boot_time),
            "cores": self.cores_per_socket, "cpu_binding": 0, "cpu_load": 100 * len(self.jobs),
            "free_mem": max(0, self.real_memory - alloc_mem), "cpus": self.cpus, "effective_cpus": self.cpus,
            "specialized_cpus": "", "specialized_memory": 0, "specialized_cores": 0,
            "features": list(self.features), "active_features": list(self.features),
            "gpu_spec": "", "gres": self.gres, "gres_drained": "N/A", "gres_used": "",
            "last_busy": int(cluster.clock.now() if self.jobs else self.last_busy),
            "mcs_label": "", "name": self.name, "next_state_after_reboot": ["INVALID"],
            "address": self.name, "hostname": self.name, "state": self.states(),
            "operating_system": "Linux 6.12 mockrestd", "owner": "", "partitions": parts, "port": 6818,
            "real_memory": self.real_memory, "comment": self.comment, "reason": self.reason,
            "reason_changed_at": int(self.reason_changed_at), "reason_set_by_user": self.reason_set_by_user,
            "resume_after": None, "reservation": ",".join(r.name for r in cluster.reservations.values()
                                                          if self.name in r.nodes),
            "alloc_memory": alloc_mem, "alloc_cpus": alloc_cpus, "alloc_idle_cpus": self.cpus - alloc_cpus,
            "tres_used": f"cpu={alloc_cpus},mem={alloc_mem}M" if alloc_cpus else "",
            "tres_weighted": float(alloc_cpus), "slurmd_start_time": int(self.boot_time),
            "sockets": self.sockets, "threads": self.threads_per_core, "temporary_disk": 0, "weight": self.weight,
            "tres": f"cpu={self.cpus},mem={mem_str},billing={self.cpus}", "version": cluster.release,
            "extra": self.extra, "instance_id": "", "instance_type": "", "cert_flags": [],
            "energy": {"average_watts": 0, "base_consumed_energy": 0, "consumed_energy": 0,
                       "current_watts": None, "previous_consumed_energy": 0, "last_collected": 0},
            "external_sensors": {}, "power": {}, "topology": "", "tls_cert_last_renewal": None,
        }


@dataclass
class Partition:
    name: str
    node_names: list
    default: bool = False
    max_time: object = INFINITE        # minutes or INFINITE
    default_time: object = None
    state: str = "UP"

    @classmethod
    def from_config(cls, conf: dict, cluster) -> "Partition":
        def minutes(v):
            if v is None:
                return None
            if isinstance(v, str) and v.upper() in ("UNLIMITED", "INFINITE"):
                return INFINITE
            return int(v)
        nodes = conf.get("nodes", "")
        names = list(cluster.nodes) if nodes in ("ALL", "") else expand(nodes)
        max_time = minutes(conf.get("max_time"))
        return cls(conf["name"], names, bool(conf.get("default", False)),
                   INFINITE if max_time is None else max_time, minutes(conf.get("default_time")))

    def record(self, cluster) -> dict:
        nodes = [cluster.nodes[n] for n in self.node_names if n in cluster.nodes]
        cpus = sum(n.cpus for n in nodes)
        mem = sum(n.real_memory for n in nodes)
        mem_str = f"{mem // 1024}G" if mem % 1024 == 0 else f"{mem}M"
        return {
            "nodes": {"allowed_allocation": "", "configured": compress(self.node_names), "total": len(nodes)},
            "accounts": {"allowed": "", "deny": ""}, "groups": {"allowed": ""},
            "qos": {"allowed": "", "deny": "", "assigned": ""}, "alternate": "",
            "tres": {"billing_weights": "", "configured": f"cpu={cpus},mem={mem_str},node={len(nodes)},"
                                                          f"billing={cpus}"},
            "cluster": cluster.name, "select_type": [], "cpus": {"task_binding": 0, "total": cpus},
            "defaults": {"memory_per_cpu": 0, "partition_memory_per_cpu": None, "partition_memory_per_node": None,
                         "time": self.default_time if self.default_time is not None else INFINITE, "job": ""},
            "grace_time": 0,
            "maximums": {"cpus_per_node": INFINITE, "cpus_per_socket": INFINITE, "memory_per_cpu": 0,
                         "partition_memory_per_cpu": None, "partition_memory_per_node": None,
                         "nodes": INFINITE, "shares": 1, "oversubscribe": {"jobs": 1, "flags": []},
                         "time": self.max_time, "over_time_limit": None},
            "minimums": {"nodes": 0}, "name": self.name, "node_sets": "",
            "priority": {"job_factor": 1, "tier": 1}, "timeouts": {"resume": None, "suspend": None},
            "partition": {"state": [self.state]}, "suspend_time": None, "topology": "",
            "flags": ["DEFAULT"] if self.default else [],
        }


@dataclass
class Reservation:
    name: str
    nodes: list
    start: float
    end: float
    users: list
    accounts: list
    flags: list
    partition: str
    core_count: int

    def active(self, now: float) -> bool:
        return self.start <= now < self.end

    def over(self, now: float) -> bool:
        return now >= self.end

    def record(self) -> dict:
        return {"accounts": ",".join(self.accounts), "burst_buffer": "", "core_count": self.core_count,
                "core_specializations": [], "end_time": int(self.end), "features": "", "flags": list(self.flags),
                "groups": "", "licenses": "", "max_start_delay": 0, "name": self.name,
                "node_count": len(self.nodes), "node_list": compress(self.nodes), "partition": self.partition,
                "purge_completed": {"time": None}, "start_time": int(self.start), "watts": None,
                "tres": f"cpu={self.core_count}", "users": ",".join(self.users)}


@dataclass
class License:
    name: str
    total: int
    used: int = 0

    def free(self) -> int:
        return self.total - self.used

    def record(self, now: float) -> dict:
        return {"LicenseName": self.name, "Total": self.total, "Used": self.used, "Free": self.free(),
                "Remote": False, "Reserved": 0, "LastConsumed": 0, "LastDeficit": 0, "LastUpdate": int(now),
                "Nodes": ""}
