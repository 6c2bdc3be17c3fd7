"""Partitions: limits and defaults jobs get from them, their v0.0.44 record, and the v0.0.45 requests that
create, update and delete them."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SlurmError
from .fields import _names, node_names
from .gres import _count_by_name, _mem_str
from .hostlist import compress, expand
from .values import INFINITE


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


class PartitionsMixin:
    """GET/POST/DELETE partition(s) and the default partition."""

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
                names = list(self.nodes) if nodes == "ALL" else node_names(
                    nodes, f"Failed to update partition {name} with description at index {index}",
                    "slurm_update_partition")
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

    def default_partition(self) -> str:
        for p in self.partitions.values():
            if p.default:
                return p.name
        return next(iter(self.partitions))
