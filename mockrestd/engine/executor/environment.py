"""The environment a batch script gets: the job's own `environment` list plus what slurmd adds.

Measured on real 25.11.7 (a REST submission with `environment: ["PATH=..."]`, no tasks given) the script
saw exactly these SLURM variables (`BASE`); the others follow the source of 25.11.7: `env_array_for_batch_job`
and `setup_env` (src/common/env.c), `_create_job_array` (src/slurmctld/job_mgr.c: SLURM_ARRAY_TASK_COUNT,
MIN, MAX, STEP) and `_set_het_job_env` (src/slurmctld/job_scheduler.c: `<NAME>_HET_GROUP_<n>` and
`<NAME>_PACK_GROUP_<n>` per component, SLURM_HET_SIZE, SLURM_PACK_SIZE). `env_array_for_batch_job` also
sets ENVIRONMENT=BATCH and HOSTNAME. REST jobs lack SLURM_SUBMIT_DIR / SLURM_SUBMIT_HOST: sbatch sets those
on the client side."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..hostlist import compress

BASE = ("SLURMD_NODENAME SLURM_CLUSTER_NAME SLURM_CONF SLURM_CPUS_ON_NODE SLURM_GTIDS SLURM_JOBID "
        "SLURM_JOB_ACCOUNT SLURM_JOB_CPUS_PER_NODE SLURM_JOB_END_TIME SLURM_JOB_GID SLURM_JOB_ID SLURM_JOB_NAME "
        "SLURM_JOB_NODELIST SLURM_JOB_NUM_NODES SLURM_JOB_PARTITION SLURM_JOB_QOS SLURM_JOB_START_TIME "
        "SLURM_JOB_UID SLURM_JOB_USER SLURM_LOCALID SLURM_NNODES SLURM_NODEID SLURM_NODELIST SLURM_OOM_KILL_STEP "
        "SLURM_PROCID SLURM_TASKS_PER_NODE SLURM_TASK_PID SLURM_TOPOLOGY_ADDR SLURM_TOPOLOGY_ADDR_PATTERN").split()
YEAR = 365 * 86400


@dataclass
class Component:
    """One hetjob component as the batch environment describes it."""

    job_id: int
    name: str
    account: str
    partition: str
    qos: str
    nodes: list
    cpus: list                  # allocated CPUs per node, in `nodes` order
    tasks: int | None = None    # explicit task count
    cpus_per_task: int = 1
    mem_per_cpu: int | None = None
    mem_per_node: int | None = None
    reservation: str = ""


@dataclass
class Launch:
    """Everything slurmd is told when it starts a batch job (batch_job_launch_msg_t), in plain values."""

    job_id: int
    name: str
    user: str
    uid: int
    gid: int
    account: str
    partition: str
    qos: str
    cluster: str
    nodes: list                 # node names, first = the batch host
    cpus: list                  # allocated CPUs per node
    start_time: int
    time_limit: int | None      # minutes; None: unlimited
    script: str
    work_dir: str
    environment: list           # the job's own "NAME=value" list
    argv: list = field(default_factory=list)
    stdout: str = ""            # patterns as submitted ("" = Slurm's default)
    stderr: str = ""
    stdin: str = ""
    append: bool = False        # open_mode APPEND
    array_job_id: int = 0
    array_task_id: int | None = None
    array_tasks: list | None = None    # every task id of the array, and its step (for COUNT/MIN/MAX/STEP)
    array_step: int = 1
    het: list | None = None     # [Component, ...] when the job is a hetjob leader
    tasks: int | None = None    # explicit `tasks`
    cpus_per_task: int | None = None   # explicit `cpus_per_task`
    tasks_per_node: int | None = None
    mem_per_cpu: int | None = None     # explicit memory requests, MB
    mem_per_node: int | None = None
    licenses: str = ""
    reservation: str = ""
    restart_count: int = 0
    slurm_conf: str = "/etc/slurm/slurm.conf"


def compressed(values: list) -> str:
    """uint32_compressed_to_str: [8, 8, 4] -> "8(x2),4"."""
    out, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        out.append(str(values[i]) if i == j else f"{values[i]}(x{j - i + 1})")
        i = j + 1
    return ",".join(out)


def tasks_per_node(cpus: list, cpus_per_task: int, tasks: int | None) -> list:
    """The block layout slurm_step_layout_create() gives: every node one task first, then fill each node up
    to its CPUs in order; without a task count, as many tasks as the CPUs hold."""
    cpt = max(1, cpus_per_task)
    room = [max(1, c // cpt) for c in cpus]
    if not tasks:
        return room
    out = [0] * len(cpus)
    left = tasks
    for i in range(len(out)):
        if left:
            out[i], left = 1, left - 1
    i = 0
    while left and any(out[k] < room[k] for k in range(len(out))):
        if out[i] < room[i]:
            out[i], left = out[i] + 1, left - 1
        i = (i + 1) % len(out)
    while left:                         # more tasks than CPUs (overcommit): round robin
        out[i % len(out)] += 1
        left, i = left - 1, i + 1
    return out


def batch_environment(launch: Launch, node_id: int = 0) -> dict:
    """The batch script's environment, SLURM_TASK_PID aside (it is the script's own pid, set at exec)."""
    env = {}
    for item in launch.environment:
        name, sep, value = str(item).partition("=")
        if sep and name:
            env[name] = value
    node = launch.nodes[node_id] if launch.nodes else ""
    nodelist = compress(launch.nodes) if launch.nodes else ""
    cpt = launch.cpus_per_task or 1
    end = launch.start_time + (launch.time_limit * 60 if launch.time_limit is not None else YEAR)
    layout = tasks_per_node(launch.cpus, cpt, launch.tasks or (
        launch.tasks_per_node * len(launch.nodes) if launch.tasks_per_node else None))
    env.update({
        "SLURMD_NODENAME": node, "SLURM_CLUSTER_NAME": launch.cluster, "SLURM_CONF": launch.slurm_conf,
        "SLURM_CPUS_ON_NODE": str(launch.cpus[node_id] if launch.cpus else 1), "SLURM_GTIDS": "0",
        "SLURM_JOBID": str(launch.job_id), "SLURM_JOB_ID": str(launch.job_id),
        "SLURM_JOB_ACCOUNT": launch.account, "SLURM_JOB_CPUS_PER_NODE": compressed(launch.cpus),
        "SLURM_JOB_END_TIME": str(end), "SLURM_JOB_START_TIME": str(launch.start_time),
        "SLURM_JOB_GID": str(launch.gid), "SLURM_JOB_UID": str(launch.uid), "SLURM_JOB_USER": launch.user,
        "SLURM_JOB_NAME": launch.name, "SLURM_JOB_NODELIST": nodelist, "SLURM_NODELIST": nodelist,
        "SLURM_JOB_NUM_NODES": str(len(launch.nodes)), "SLURM_NNODES": str(len(launch.nodes)),
        "SLURM_JOB_PARTITION": launch.partition, "SLURM_JOB_QOS": launch.qos,
        "SLURM_LOCALID": "0", "SLURM_NODEID": str(node_id), "SLURM_PROCID": "0",
        "SLURM_OOM_KILL_STEP": "0", "SLURM_TASKS_PER_NODE": compressed(layout),
        "SLURM_TOPOLOGY_ADDR": node, "SLURM_TOPOLOGY_ADDR_PATTERN": "node",
        "ENVIRONMENT": "BATCH", "HOSTNAME": node,
    })
    if launch.tasks:
        env["SLURM_NTASKS"] = env["SLURM_NPROCS"] = str(launch.tasks)
    if launch.cpus_per_task:
        env["SLURM_CPUS_PER_TASK"] = str(launch.cpus_per_task)
    if launch.tasks_per_node:
        env["SLURM_NTASKS_PER_NODE"] = str(launch.tasks_per_node)
    if launch.mem_per_cpu:
        env["SLURM_MEM_PER_CPU"] = str(launch.mem_per_cpu)
    elif launch.mem_per_node:
        env["SLURM_MEM_PER_NODE"] = str(launch.mem_per_node)
    if launch.licenses:
        env["SLURM_JOB_LICENSES"] = launch.licenses
    if launch.reservation:
        env["SLURM_JOB_RESERVATION"] = launch.reservation
    if launch.restart_count:
        env["SLURM_RESTART_COUNT"] = str(launch.restart_count)
    if launch.array_task_id is not None:
        tasks = sorted(launch.array_tasks or [launch.array_task_id])
        env.update({"SLURM_ARRAY_JOB_ID": str(launch.array_job_id or launch.job_id),
                    "SLURM_ARRAY_TASK_ID": str(launch.array_task_id),
                    "SLURM_ARRAY_TASK_COUNT": str(len(tasks)), "SLURM_ARRAY_TASK_MIN": str(tasks[0]),
                    "SLURM_ARRAY_TASK_MAX": str(tasks[-1]), "SLURM_ARRAY_TASK_STEP": str(launch.array_step)})
    if launch.het:
        for offset, comp in enumerate(launch.het):
            _het(env, offset, comp)
        env["SLURM_HET_SIZE"] = env["SLURM_PACK_SIZE"] = str(len(launch.het))
    return env


def _het(env: dict, offset: int, c: Component) -> None:
    values = {"SLURM_JOB_ACCOUNT": c.account, "SLURM_JOB_CPUS_PER_NODE": compressed(c.cpus),
              "SLURM_JOB_ID": str(c.job_id), "SLURM_JOB_NAME": c.name,
              "SLURM_JOB_NODELIST": compress(c.nodes) if c.nodes else "", "SLURM_JOB_NUM_NODES": str(len(c.nodes)),
              "SLURM_JOB_PARTITION": c.partition, "SLURM_JOB_QOS": c.qos,
              "SLURM_TASKS_PER_NODE": compressed(tasks_per_node(c.cpus, c.cpus_per_task, c.tasks))}
    if c.reservation:
        values["SLURM_JOB_RESERVATION"] = c.reservation
    if c.mem_per_cpu:
        values["SLURM_MEM_PER_CPU"] = str(c.mem_per_cpu)
    elif c.mem_per_node:
        values["SLURM_MEM_PER_NODE"] = str(c.mem_per_node)
    for name, value in values.items():
        env[f"{name}_PACK_GROUP_{offset}"] = value
        env[f"{name}_HET_GROUP_{offset}"] = value
