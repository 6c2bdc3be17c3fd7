"""Where a job fits: candidate nodes (partition, exclusions, required nodes, features, reservations) and
the CPUs, memory and GRES it takes on each (`_place`), or whether it could ever fit (`_could_ever_fit`)."""

from __future__ import annotations

import math

from .fields import _features, _names
from .jobs import Job


class PlacementMixin:
    """Node selection for one job; hetjobs place several at once in hetjobs.py."""

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
        """Whether the partition, empty, could hold the job; if not it pends forever (PartitionConfig).
        Kept by job shape for one scheduler pass (`_pass_memo`, set by `_schedule`)."""
        memo = getattr(self, "_pass_memo", None)
        shape = _shape(job) if memo is not None else None
        if shape is None:
            return self._fits_empty(job)
        key = ("fit", shape)
        if key not in memo:
            memo[key] = self._fits_empty(job)
        return memo[key]

    def _fits_empty(self, job: Job) -> bool:
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


def _shape(job: Job):
    """Everything `_place` and `_could_ever_fit` read of a plain job (no licenses, GRES, reservation, node
    lists or features; not part of a hetjob); None for any other job, which is always placed on its own."""
    d = job.desc
    if (job.licenses or job.gres_per_node or job.gres_per_job or job.het_job_id is not None
            or d.get("reservation") or d.get("required_nodes") or d.get("excluded_nodes") or d.get("constraints")):
        return None
    return (job.partition, job.cpus, job.cpus_per_task, job.min_nodes, job.max_nodes, job.memory_per_node,
            job.memory_per_cpu, job.time_limit)
