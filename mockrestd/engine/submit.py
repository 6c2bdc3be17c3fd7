"""Submit and allocate: a job description becomes one Job per component (`_make_job`), checked before any
id is taken. `_make_job` refuses what needs no Job (environment, working directory, partition); the rules
on the built Job (licenses, reservation, "could it ever fit") are in `_check_submit`."""

from __future__ import annotations

from ..errors import SlurmError, warning
from .fields import _gres, _int, _is_num, _node_range, node_names
from .jobs import Job
from .licenses import licenses_of
from .arrays import parse_array
from .runtime import plan_for

# the flags a submit sets, in the order of slurm.h's job flag bits (real 25.11.7: USING_DEFAULT_ACCOUNT,
# USING_DEFAULT_PARTITION, USING_DEFAULT_QOS, USING_DEFAULT_WCKEY, PARTITION_ASSIGNED)
_FLAG_ORDER = ("EXACT_TASK_COUNT_REQUESTED", "USING_DEFAULT_ACCOUNT", "USING_DEFAULT_PARTITION", "USING_DEFAULT_QOS",
               "USING_DEFAULT_WCKEY", "PARTITION_ASSIGNED")


def _failure(het: bool) -> tuple[str, str]:
    """(description, source) of a refused submission, as slurmrestd reports the controller's answer."""
    return ("HetJob submission failed", "slurm_submit_batch_het_job()") if het else \
        ("Batch job submission failed", "slurm_submit_batch_job()")


class SubmitResult:
    def __init__(self, job_id: int, warnings=None, user_msg: str = "", step_id: str = "batch"):
        self.job_id, self.step_id, self.user_msg = job_id, step_id, user_msg
        self.warnings = list(warnings or [])

    def __repr__(self) -> str:
        return f"SubmitResult(job_id={self.job_id}, warnings={self.warnings})"


class SubmitMixin:
    """POST job/submit and job/allocate."""

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
        array = first.get("array") if not het else None
        tasks = self._check_count(array, len(jobs), het)
        self._next_id += len(jobs)      # everything validated: only now take the ids
        leader = jobs[0]
        if het:
            self._link_het(jobs)
        if array:
            self._add_array(leader, tasks)
        for job in jobs:
            job._sync = self.sync
            self.jobs[job.job_id] = job
            self.accounting.add_job(job)
            self.stats["jobs_submitted"] += 1
            self._touch(job)
        if leader.hold:
            warnings.append(warning("Job is in held state, pending scheduler release", "_job_post"))
        self._push(self._pass_time(), "sched")
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
        failed, source = _failure(het)
        if not d.get("environment"):
            raise SlurmError(2019, failed, source)
        if not d.get("current_working_directory"):
            raise SlurmError(2063, failed, source)
        for key in ("required_nodes", "excluded_nodes"):
            node_names(d.get(key), failed, source)
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
        # association and QOS, as slurmctld checks them (AccountingStorageEnforce): engine/accounting.resolve;
        # at submit nobody is privileged, root neither (job_mgr.c `_job_create` asks `_get_qos_info(..., false)`)
        account, qos, assoc_id, acct_flags = self.accounting.resolve(
            user, d.get("account"), d.get("qos"), part_name, failed=failed, source=source)
        flags += acct_flags
        if not d.get("wckey"):
            flags.append("USING_DEFAULT_WCKEY")
        if "USING_DEFAULT_PARTITION" in flags:
            flags.append("PARTITION_ASSIGNED")
        tasks = _int(d.get("tasks"), 0)
        if tasks:
            flags.insert(0, "EXACT_TASK_COUNT_REQUESTED")
        flags.sort(key=_FLAG_ORDER.index)        # slurmctld lists job flags in the order of its bits
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
            account=account, partition=part_name, qos=qos, submit_time=self._t,
            plan=plan_for(d.get("script"), self.runtime), cluster=self.name,
            association_id=assoc_id,
            cpus=cpus, tasks=tasks, cpus_per_task=cpt, min_nodes=min_nodes, max_nodes=max_nodes,
            memory_per_node=mem_node, memory_per_cpu=mem_cpu, gres_per_node=gres_per_node,
            gres_per_job=gres_per_job, time_limit=time_limit, name=str(name),
            comment=d.get("comment") or "", admin_comment=d.get("admin_comment") or "",
            priority=self._base_priority(dict(d, qos=qos), user), hold=hold, dependency=str(d.get("dependency") or ""),
            licenses=",".join(f"{n}:{c}" for n, c in licenses_of(d.get("licenses"))),
            begin_time=begin, flags=flags,
            eligible_time=None if (hold or d.get("dependency")) else max(self._t, begin or 0),
        )
        job.submit_line = ""
        self._check_submit_limits(job, d, failed, source)      # engine/limits.py: MaxSubmitJobs*, DenyOnLimit
        self._check_submit(job, d, warnings, het=het)
        return job

    def _check_count(self, array, components: int, het: bool):
        """MaxArraySize (a task id must be below it: 2081) and MaxJobCount (the controller's records plus
        the new ones, an array counting each task: EAGAIN), as _valid_array_inx() and job_allocate() check
        before a job record is made. Returns the array's (task ids, %limit), or None."""
        failed, source = _failure(het)
        tasks = None
        if array:
            try:
                tasks = parse_array(str(array), self.max_array_size)
            except SlurmError:
                raise SlurmError(2081, failed, source) from None
        count = len(tasks[0]) if tasks else components
        if self._job_count() + count > self.max_job_count:
            raise SlurmError(11, failed, source)
        return tasks

    def _job_count(self) -> int:
        """Job records slurmctld holds: each record, plus the tasks an array has not split off yet."""
        return len(self.jobs) + sum(len(a.pending) - 1 for a in self.arrays.values() if a.pending)

    def _check_submit(self, job: Job, d: dict, warnings: list, *, het: bool = False) -> None:
        """The rules a built Job must pass to be accepted (raise), or accepted with a warning (append)."""
        failed, source = _failure(het)
        for name, (gtype, _) in list(job.gres_per_node.items()) + list(job.gres_per_job.items()):
            if not self._gres_on(self.nodes, name):
                raise SlurmError(2014, failed, source)     # no node has it at all (real 25.11.7)
            part = self.partitions.get(job.partition)
            if not self._gres_on(part.node_names if part else (), name, gtype):
                raise SlurmError(2072, failed, source)
        for lic, _ in licenses_of(job.licenses):
            if lic not in self.licenses:
                raise SlurmError(2048, "Batch job submission failed: Invalid license specification",
                                 "slurm_submit_batch_job()")
        if d.get("reservation") and d["reservation"] not in self.reservations:
            raise SlurmError(2053, "Batch job submission failed: Requested reservation is invalid",
                             "slurm_submit_batch_job()")
        if not self._could_ever_fit(job):      # accepted; it pends with PartitionConfig (real 25.11.7)
            text = "Requested partition configuration not available now"
            warnings += [warning(f"Job submission resulted in non-zero return code: {text}", source),
                         warning(text, source)]

    def _gres_on(self, node_names, name: str, gtype: str | None = None) -> bool:
        """Whether some of these nodes has the GRES (of that type)."""
        return any(s[0] == name and (not gtype or s[1] == gtype)
                   for n in node_names if n in self.nodes for s in self.nodes[n].gres_slots)

    def _base_priority(self, d: dict, user: str) -> int:
        prio = d.get("priority")
        if _is_num(prio) and prio and self.is_operator(user):
            return int(prio)
        qos = self.accounting.qos(d.get("qos") or "normal")
        return 1 + int((qos or {}).get("priority", 0) or 0)
