"""What `scontrol show config` / GET /conf says about the emulated cluster (v0.0.45 `slurm_conf`, and
`slurmdbd_conf` for slurmdbd).

The baseline is what a real single-node 26.05.5 slurmctld with slurmdbd reports (measured), minus paths
and ports that only meant something there; the cluster's own settings (name, SlurmUser, MinJobAge,
DefMemPerCPU, controller host) are filled in from the engine, and a cluster file's `[slurm_conf]` /
`[slurmdbd_conf]` tables override any key. Keys left out render as the schema's zero value."""

from __future__ import annotations

SLURM_CONF_BASE = {
    "AccountingStorageTRES": ["cpu", "mem", "energy", "node", "billing", "fs/disk", "vmem", "pages"],
    "AccountingStorageHost": "localhost", "AccountingStoragePort": 6819,
    "AccountingStorageType": "accounting_storage/slurmdbd",
    "AuthAltTypes": ["auth/jwt"], "AuthAltParameters": "jwt_key=/etc/slurm/jwt_hs256.key", "AuthType": "auth/slurm",
    "BatchStartTimeout": 10, "BcastExclude": ["/lib", "/usr/lib", "/lib64", "/usr/lib64"],
    "CpuFreqDef": "Unknown", "CredType": "cred/slurm", "EioTimeout": 60, "EnforcePartLimits": ["NO"],
    "EpilogMsgTime": 2000, "FairShareDampeningFactor": 1, "GroupUpdateTime": 600, "GroupUpdateForce": True,
    "HashPlugin": "hash/k12", "HealthCheckNodeState": ["ANY"],
    "InteractiveStepOptions": "--interactive --preserve-env --pty $SHELL", "JobAcctGatherFrequency": ["30"],
    "JobAcctGatherType": "jobacct_gather/linux", "JobCompHost": "localhost", "JobCompUser": "root",
    "JobRequeue": True, "KillWait": 30, "LogTimeFormat": "iso8601_ms", "MaxArraySize": 1001,
    "MaxBatchRequeue": 5, "MaxDBDMsgs": 20004, "MaxJobCount": 10000, "MaxJobId": 67043328,
    "MaxMemPerCPU": 0, "MaxStepCount": 40000, "MaxTasksPerNode": 512, "MessageTimeout": 10,
    "PreemptExemptTime": 0, "PreemptMode": ["DISABLED"], "PrEpPlugins": ["prep/script"],
    "PriorityDecayHalfLife": "7-00:00:00", "PriorityCalcPeriod": "00:05:00", "PriorityFlags": ["FAIR_TREE"],
    "PriorityMaxAge": "7-00:00:00", "PriorityUsageResetPeriod": "NONE", "PriorityType": "priority/multifactor",
    "ProctrackType": "proctrack/cgroup", "PropagatePrioProcess": "off", "PropagateResourceLimits": ["ALL"],
    "ResumeRate": 300, "ResumeTimeout": 60, "ReturnToService": "all", "SchedulerTimeSlice": 30,
    "SchedulerType": "sched/backfill", "SelectType": "select/cons_tres", "SelectTypeParameters": ["CR_CPU"],
    "SlurmdUser": "root", "SlurmctldDebug": "info", "SlurmctldPort": 6817, "SlurmctldPortCount": 1,
    "SlurmctldTimeout": 120, "SlurmdDebug": "info", "SlurmdPort": 6818, "SlurmdSpoolDir": "/var/spool/slurmd",
    "SlurmdTimeout": 300, "StateSaveLocation": "/var/spool/slurmctld", "SuspendRate": 60, "SuspendTimeout": 30,
    "TLSType": "tls/none", "TCPTimeout": 2, "TmpFS": "/tmp", "TopologyPlugin": "topology/flat", "TreeWidth": 16,
    "UnkillableStepTimeout": 60,
}

_NEVER = {"set": False, "hours": 0, "days": 0, "months": 0, "archive": False}
SLURMDBD_CONF_BASE = {
    "ArchiveDir": "/tmp", "DbdAddr": "127.0.0.1", "DbdHost": "localhost", "DbdPort": 6819, "DebugLevel": "info",
    "MaxPurgeLimit": 50000, "MaxQueryTimeRange": "UNLIMITED", "PidFile": "/run/slurmdbd.pid",
    **{f"Purge{what}After": dict(_NEVER) for what in
       ("Event", "Job", "Resv", "Step", "Suspend", "TXN", "Usage", "JobScript", "JobEnv")},
}


def slurm_conf(cluster, release: str | None = None) -> tuple[dict, dict]:
    """(slurm_conf, slurm_conf_meta) of the cluster as it is now; `release` is the Slurm release shown."""
    conf = dict(SLURM_CONF_BASE)
    conf.update({
        "ClusterName": cluster.name, "SlurmUser": cluster.slurm_user, "SlurmUserId": cluster.uid(cluster.slurm_user),
        "MinJobAge": int(cluster.min_job_age), "MaxArraySize": cluster.max_array_size,
        "MaxJobCount": cluster.max_job_count, "FirstJobId": int(cluster.config["cluster"].get("first_job_id", 1)),
        "DefMemPerCPU": cluster.config["cluster"].get("def_mem_per_cpu"),
        "MaxNodeCount": len(cluster.nodes), "controllers": [{"address": "127.0.0.1", "machine": cluster.control_host}],
        "Licenses": [f"{lic.name}:{lic.total}" for lic in cluster.licenses.values()],
    })
    conf.update(cluster.config.get("slurm_conf", {}))
    meta = {"LastUpdate": int(cluster.started), "BOOT_TIME": int(cluster.started), "ClusterId": 0,
            "HashValue": 0, "NEXT_JOB_ID": cluster.next_job_id, "SLURM_CONF": "/etc/slurm/slurm.conf",
            "SLURM_VERSION": release or cluster.release}
    return conf, meta


def slurmdbd_conf(cluster) -> dict:
    conf = dict(SLURMDBD_CONF_BASE)
    conf.update(cluster.config.get("slurmdbd_conf", {}))
    return conf
