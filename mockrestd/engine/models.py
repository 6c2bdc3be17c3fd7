"""Nodes, partitions, reservations and licenses, and how each reads as its v0.0.44 record."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import SlurmError
from .hostlist import compress, expand
from .values import INFINITE

# update_node_msg `state` words → what they do to a node
_STATE_WORDS = {"DRAIN": "drain", "DRAINING": "drain", "DRAINED": "drain", "RESUME": "resume",
                "UNDRAIN": "undrain", "IDLE": "resume", "DOWN": "down", "FAIL": "drain", "FAILING": "drain",
                "FUTURE": "future", "POWER_DOWN": "noop", "POWER_UP": "noop", "POWER_DOWN_ASAP": "noop",
                "POWER_DOWN_FORCE": "noop", "UNKNOWN": "noop", "CLOUD": "noop", "NO_RESPOND": "noop",
                "REBOOT_ISSUED": "noop", "REBOOT_REQUESTED": "noop", "RESERVED": "noop",
                "MAINTENANCE": "noop", "PLANNED": "noop", "MIXED": "noop", "ALLOCATED": "noop",
                "COMPLETING": "noop", "INVALID": "noop"}
_STATE_FLAGS_SHOWN = ("DRAIN", "COMPLETING", "CLOUD", "POWERED_DOWN", "MAINTENANCE", "RESERVED", "PLANNED")


def parse_gres(spec) -> list[list]:
    """Node `Gres=gpu:a100:2,gpu:v100:1` → GPU slots [[name, type, index], ...] (index per name)."""
    slots: list[list] = []
    items = spec if isinstance(spec, list) else str(spec or "").split(",")
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        parts = item.split(":")
        count = int(parts[-1]) if len(parts) > 1 and parts[-1].isdecimal() else 1
        name = parts[0]
        gtype = parts[1] if len(parts) == 3 or (len(parts) == 2 and not parts[1].isdecimal()) else ""
        start = sum(1 for s in slots if s[0] == name)
        slots += [[name, gtype, start + i] for i in range(count)]
    return slots


def parse_tres_request(text) -> dict:
    """`gres/gpu:2`, `gres/gpu:a100:1`, `gres/gpu=2`, `gpu:2` → {name: (type, count)}."""
    out: dict = {}
    for item in (text if isinstance(text, list) else str(text or "").split(",")):
        item = str(item).strip().removeprefix("gres/").removeprefix("gres:")
        if not item:
            continue
        item = item.replace("=", ":")
        parts = item.split(":")
        count = int(parts[-1]) if parts[-1].isdecimal() else 1
        gtype = parts[1] if len(parts) >= 3 or (len(parts) == 2 and not parts[1].isdecimal()) else ""
        out[parts[0]] = (gtype, count)
    return out


def _ranges(nums) -> str:
    nums = sorted(nums)
    out, i = [], 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)


def _mem_str(mb: int) -> str:
    if mb and mb % 1024 == 0:
        return f"{mb // 1024}G"
    if mb > 1024:
        return f"{mb / 1024:.2f}G"
    return f"{mb}M"


def gres_text(slots, *, used: bool = False) -> str:
    """Slots → `gpu:a100:2(IDX:0-1)` (used) or `gpu:a100:2` (configured), grouped by name and type."""
    groups: dict = {}
    for name, gtype, idx in slots:
        groups.setdefault((name, gtype), []).append(idx)
    parts = []
    for (name, gtype), idxs in groups.items():
        head = f"{name}:{gtype}:" if gtype else f"{name}:"
        parts.append(f"{head}{len(idxs)}" + (f"(IDX:{_ranges(idxs)})" if used and gtype else ""))
    return ",".join(parts)


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


def _count_by_name(slots) -> dict:
    out: dict = {}
    for s in slots:
        out[s[0]] = out.get(s[0], 0) + 1
    return out


def _minutes(v):
    if v is None:
        return None
    if isinstance(v, str) and v.upper() in ("UNLIMITED", "INFINITE"):
        return INFINITE
    if v is INFINITE:
        return v
    return int(v)


@dataclass
class Partition:
    name: str
    node_names: list
    default: bool = False
    max_time: object = INFINITE        # minutes or INFINITE
    default_time: object = None
    state: str = "UP"
    def_mem_per_cpu: int | None = None
    max_nodes: object = INFINITE

    @classmethod
    def from_config(cls, conf: dict, cluster) -> "Partition":
        nodes = conf.get("nodes", "")
        names = list(cluster.nodes) if nodes in ("ALL", "") else expand(nodes)
        max_time = _minutes(conf.get("max_time"))
        mem = conf.get("def_mem_per_cpu", cluster.config["cluster"].get("def_mem_per_cpu"))
        return cls(conf["name"], names, bool(conf.get("default", False)),
                   INFINITE if max_time is None else max_time, _minutes(conf.get("default_time")),
                   str(conf.get("state", "UP")).upper(), int(mem) if mem else None,
                   _minutes(conf.get("max_nodes")) or INFINITE)

    def record(self, cluster) -> dict:
        nodes = [cluster.nodes[n] for n in self.node_names if n in cluster.nodes]
        cpus = sum(n.cpus for n in nodes)
        mem = sum(n.real_memory for n in nodes)
        gres = _count_by_name([s for n in nodes for s in n.gres_slots])
        return {
            "nodes": {"allowed_allocation": "", "configured": compress(self.node_names), "total": len(nodes)},
            "accounts": {"allowed": "", "deny": ""}, "groups": {"allowed": ""},
            "qos": {"allowed": "", "deny": "", "assigned": ""}, "alternate": "",
            "tres": {"billing_weights": "", "configured": f"cpu={cpus},mem={_mem_str(mem)},node={len(nodes)},"
                                                          f"billing={cpus}"
                                                          + "".join(f",gres/{k}={v}" for k, v in gres.items())},
            "cluster": "", "select_type": [], "cpus": {"task_binding": 0, "total": cpus},
            "defaults": {"memory_per_cpu": 0, "partition_memory_per_cpu": self.def_mem_per_cpu,
                         "partition_memory_per_node": None,
                         "time": self.default_time, "job": ""},
            "grace_time": 0,
            "maximums": {"cpus_per_node": INFINITE, "cpus_per_socket": INFINITE, "memory_per_cpu": 0,
                         "partition_memory_per_cpu": None, "partition_memory_per_node": 0,
                         "nodes": self.max_nodes, "shares": 1, "oversubscribe": {"jobs": 1, "flags": []},
                         "time": self.max_time, "over_time_limit": None},
            "minimums": {"nodes": 0}, "name": self.name, "node_sets": "",
            "priority": {"job_factor": 1, "tier": 1}, "timeouts": {"resume": None, "suspend": None},
            "topology": "", "partition": {"state": [self.state]}, "suspend_time": None,
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
    licenses: str = ""
    features: str = ""
    groups: list = field(default_factory=list)

    def active(self, now: float) -> bool:
        return self.start <= now < self.end

    def over(self, now: float) -> bool:
        return now >= self.end

    def allows(self, user: str, account: str) -> bool:
        return user in self.users or account in self.accounts

    def record(self) -> dict:
        """GET shape: comma strings, `tres` as text (the POST answer echoes the request instead)."""
        return {"accounts": ",".join(self.accounts), "burst_buffer": "", "core_count": self.core_count,
                "core_specializations": [], "end_time": int(self.end), "features": self.features,
                "flags": list(self.flags), "groups": ",".join(self.groups), "licenses": self.licenses,
                "max_start_delay": 0, "name": self.name, "node_count": len(self.nodes),
                "node_list": compress(self.nodes), "partition": self.partition,
                "purge_completed": {"time": 0}, "start_time": int(self.start), "watts": None,
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


def licenses_of(value) -> list[tuple[str, int]]:
    """`matlab:2,foo` / `matlab=2` / ["matlab:2"] → [("matlab", 2), ("foo", 1)]."""
    text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value or "")
    out = []
    for item in re.split(r"[,|]", text):
        item = item.strip()
        if not item:
            continue
        name, _, count = item.replace("=", ":").partition(":")
        out.append((name, int(count) if count.isdecimal() else 1))
    return out
