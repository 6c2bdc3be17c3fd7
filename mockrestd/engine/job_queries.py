"""Reading jobs: the records the controller shows, ids ("12", "12_3", "12+1") and the jobs they name."""

from __future__ import annotations

import re

from ..errors import SlurmError, warning
from .hostlist import ranges
from .jobs import Job, RecordRef, RecordRefs


class JobQueriesMixin:
    """GET jobs, job/{id}, jobs/state and resources/{id}; `_group` for everyone."""

    def _visible(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda j: j.job_id)

    def _record(self, job: Job) -> dict:
        return self._ref(job).record()

    def _ref(self, job: Job) -> RecordRef:
        """The job's record, made on demand, with its revision (`_revision`). `last_sched_evaluation`, which
        every scheduler pass rewrites for every pending job, is not in it: it comes beside it, as volatile."""
        revision, pending = self._revision(job)
        now, nodes = self._t, self.nodes
        return RecordRef(revision, lambda: job.record(array_pending=pending, nodes_conf=nodes, now=now),
                         {"last_sched_evaluation": int(job.last_eval or 0)})

    def _revision(self, job: Job) -> tuple:
        """(revision, the array's pending tasks): everything `Job.record` reads. The job's own fields (`_rev`,
        a value no other job has had), the array's pending tasks, what the clock does to it (`states(now)`:
        COMPLETING until `completing_until`), and the layout of the nodes it holds or held (a finished job
        keeps its job_resources; its nodes may be deleted or made again since). A job with none of those
        (most of a queue) is its `_rev` alone, cheaply."""
        arr = self.arrays.get(job.job_id)
        pending = arr.task_string() if arr is not None and job is arr.job else None
        held = job._held_nodes()
        if pending is None and not held and job.completing_until is None:
            return job._rev, None
        layout = tuple(_layout(self.nodes.get(name)) for name in held) if held else ()
        return (job._rev, pending, tuple(job.states(self._t)), layout), pending
    def job_records(self, as_user=None, update_time=None, *, lazy: bool = False):
        """GET /jobs/: every job the controller shows; with `update_time`, nothing when nothing changed since.
        `lazy`: `RecordRefs` instead of records, so a reader can skip the jobs (or the whole list) it has
        already seen."""
        self.sync()
        if update_time is not None and self.last_job_update <= update_time:
            return RecordRefs((), list) if lazy else []
        visible = self._visible()
        if not lazy:
            return [self._record(j) for j in visible]
        return RecordRefs(tuple(self._ref_key(j) for j in visible), lambda: [self._ref(j) for j in visible])

    def _ref_key(self, job: Job):
        """What `_ref(job)` holds as revision and volatile value, without making the ref."""
        return self._revision(job)[0], job.last_eval

    def _parse_id(self, job_id) -> tuple[int, str | None, int | None]:
        m = re.fullmatch(r"(\d+)(?:([_+])(\d+))?", str(job_id).strip())
        if not m:
            raise SlurmError(9000, f"Unable to parse job id: {job_id}", "_parse_job_id")
        return int(m.group(1)), m.group(2), int(m.group(3)) if m.group(3) else None

    def _group(self, base: int) -> list[Job]:
        """The job and everything that shares its array or hetjob, in id order."""
        job = self.jobs.get(base)
        if job is not None and job.array_job_id is None and job.het_job_id is None and base not in self.arrays:
            return [job]        # a job of its own (the usual case): no walk over every job the controller has
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
                        "mem_alloc": mem, "core_bitmap": ranges(cpu_ids), "channel": None,
                        "gres": [{"name": s[0], "type": s[1], "index": str(s[2]), "count": 1} for s in gres]})
        return out


def _layout(node) -> tuple | None:
    """What a job's record takes from a node it holds (job_resources' sockets and cores)."""
    return None if node is None else (node.sockets, node.cores_per_socket, node.threads_per_core)
