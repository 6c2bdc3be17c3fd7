"""The emulated controller: `Cluster` is the one facade the HTTP handlers, control API and tests use.

Its rules live in one module per kind (see docs/ARCHITECTURE.md, "Engine modules"); this file only builds
the cluster from its configuration and answers about users, operators and the controller itself (diag,
ping, conf). Where a job starts, ends, waits and is checked at submit: lifecycle.`_start`,
lifecycle.`_finish`, scheduler.`_why_waiting`, submit.`_make_job`/`_check_submit`."""

from __future__ import annotations

import itertools
import zlib

from ..errors import SlurmError, error_text
from . import conf
from .accounting import Accounting
from .arrays import ArraysMixin, _Array, parse_array
from .clock import Clock
from .config import load_config
from .hetjobs import HetjobsMixin
from .hostlist import compress, expand
from .job_queries import JobQueriesMixin
from .job_update import JobUpdateMixin
from .jobs import ENDINGS, Job
from .licenses import License, LicensesMixin
from .lifecycle import LifecycleMixin
from .limits import LimitsMixin
from .nodes import Node, NodesMixin
from .partitions import Partition, PartitionsMixin
from .placement import PlacementMixin
from .requeue import REQUEUE_DELAY, RequeueMixin
from .reservations import Reservation, ReservationsMixin
from .runtime import SIGNALS
from .scheduler import SchedulerMixin
from .signals import KILL_FLAGS, SignalsMixin
from .snapshot import SNAPSHOT_FORMAT, SnapshotMixin
from .submit import SubmitMixin, SubmitResult


FIXED_UIDS = {"root": 0, "slurm": 64030, "nobody": 65534}


class Cluster(LifecycleMixin, SchedulerMixin, PlacementMixin, HetjobsMixin, ArraysMixin, SubmitMixin,
              JobQueriesMixin, JobUpdateMixin, SignalsMixin, RequeueMixin, NodesMixin, PartitionsMixin,
              ReservationsMixin, LicensesMixin, LimitsMixin, SnapshotMixin):
    """The controller. State lives here (`__init__`); each mixin holds the rules of one kind of record."""

    def __init__(self, config: dict, clock=None):
        self.config = config
        self.clock = clock or Clock()
        c = config["cluster"]
        self.name = c.get("name", "mock")
        self.release = c.get("release", "25.11.7")
        self.slurm_user = c.get("slurm_user", "slurm")
        self.operators = tuple(dict.fromkeys(list(c.get("operators", ["root"])) + [self.slurm_user]))
        self.min_job_age = float(c.get("min_job_age", 300))
        self.max_array_size = int(c.get("max_array_size", 1001))     # MaxArraySize: task ids below it
        self.max_job_count = int(c.get("max_job_count", 10000))      # MaxJobCount: records slurmctld holds
        self.strict_users = bool(c.get("strict_users", False))
        self.control_host = c.get("control_host", "mockctld")
        self.runtime = dict(config.get("runtime", {}))
        self._t = self.clock.now()
        self.started = self._t
        self.nodes: dict[str, Node] = {}
        for group in config.get("nodes", []):
            for name in expand(group["names"]):
                self.nodes[name] = Node.from_config(name, group, self._t)
        self.partitions: dict[str, Partition] = {}
        for p in config.get("partitions", []):
            self.partitions[p["name"]] = Partition.from_config(p, self)
        self.licenses = {lic["name"]: License(lic["name"], int(lic.get("total", 0)))
                         for lic in config.get("licenses", [])}
        self.reservations: dict[str, Reservation] = {}
        for r in config.get("reservations", []):
            self._add_reservation(r)
        self.accounting = Accounting.from_config(config, self.name, self.clock)
        self.accounting.on_change = lambda: self._push(self._t, "sched")
        self.accounting.operators = set(self.operators)
        self.jobs: dict[int, Job] = {}                 # everything the controller still shows
        self.arrays: dict[int, _Array] = {}
        self._next_id = int(c.get("first_job_id", 1))
        self._events: list = []
        self._sched_times: set = set()
        self._seq = itertools.count()
        self.execution = None            # execute mode: engine/executor.Execution attaches itself here
        self.last_job_update = self._t
        self.stats = {"jobs_submitted": 0, "jobs_started": 0, "jobs_completed": 0, "jobs_canceled": 0,
                      "jobs_failed": 0, "schedule_cycles": 0, "rpcs": 0, "last_cycle_depth": 0}

    @classmethod
    def default(cls, clock=None) -> "Cluster":
        return cls(load_config(), clock)

    @classmethod
    def from_file(cls, path, clock=None) -> "Cluster":
        return cls(load_config(path), clock)

    def is_operator(self, user: str) -> bool:
        return user in self.operators or self.accounting.is_admin(user)

    def ensure_user(self, user: str) -> None:
        """Unknown user names become ordinary users with the default account, or get 6010 when strict. A
        user deleted from accounting stays deleted (a submit then finds no association: 2045)."""
        if self.accounting.has_user(user) or user in self.operators or user in self.accounting.removed_users:
            return
        if self.strict_users:
            raise SlurmError(6010, "Rejecting authentication of user nobody or group nobody",
                             "slurm_submit_batch_job()")
        self.accounting.ensure_user(user, self.config["cluster"].get("default_account", "default"))

    @staticmethod
    def uid(user: str) -> int:
        """Stable ids: fixed ones for system users, a hash ≥ 1000 for everybody else."""
        return FIXED_UIDS.get(user, 1000 + zlib.crc32(user.encode()) % 50000)

    def _operator_only(self, as_user: str, source: str, code: int = 2010):
        if not self.is_operator(as_user):
            raise SlurmError(code, error_text(code), source)

    def share_records(self, accounts=None, users=None) -> dict:
        self.sync()
        return self.accounting.shares(accounts=accounts, users=users)

    def ping_records(self, down: bool = False) -> list[dict]:
        return [{"hostname": self.control_host, "pinged": "DOWN" if down else "UP", "responding": not down,
                 "latency": 0 if down else 1200, "mode": "primary", "primary": True}]

    def diag_record(self) -> dict:
        """v0.0.44 stats_msg: counters that move with what the cluster did."""
        self.sync()
        states = [j.state for j in self.jobs.values()]
        now = int(self._t)
        s = self.stats
        cycles = max(1, s["schedule_cycles"])
        minutes = max(1.0, (self._t - self.started) / 60)
        return {"parts_packed": 1, "req_time": now, "req_time_start": int(self.started),
                "server_thread_count": 3, "agent_queue_size": 0, "agent_count": 0, "agent_thread_count": 0,
                "dbd_agent_queue_size": 0, "gettimeofday_latency": 12, "schedule_cycle_max": 900,
                "schedule_cycle_last": 120, "schedule_cycle_sum": 120 * s["schedule_cycles"],
                "schedule_cycle_total": s["schedule_cycles"], "schedule_cycle_mean": 120,
                "schedule_cycle_mean_depth": s["last_cycle_depth"],
                "schedule_cycle_per_minute": int(s["schedule_cycles"] / minutes),
                "schedule_cycle_depth": s["last_cycle_depth"], "schedule_exit": {},
                "schedule_queue_length": states.count("PENDING"),
                "jobs_submitted": s["jobs_submitted"], "jobs_started": s["jobs_started"],
                "jobs_completed": s["jobs_completed"], "jobs_canceled": s["jobs_canceled"],
                "jobs_failed": s["jobs_failed"], "jobs_pending": states.count("PENDING"),
                "jobs_running": states.count("RUNNING"), "job_states_ts": now,
                "bf_backfilled_jobs": 0, "bf_last_backfilled_jobs": 0, "bf_backfilled_het_jobs": 0,
                "bf_cycle_counter": cycles, "bf_cycle_mean": 150, "bf_depth_mean": 0, "bf_depth_mean_try": 0,
                "bf_cycle_sum": 150 * cycles, "bf_cycle_last": 150, "bf_cycle_max": 150, "bf_exit": {},
                "bf_last_depth": 0, "bf_last_depth_try": 0, "bf_depth_sum": 0, "bf_depth_try_sum": 0,
                "bf_queue_len": states.count("PENDING"), "bf_queue_len_sum": 0, "bf_table_size": 0,
                "bf_table_size_sum": 0, "bf_when_last_cycle": now, "bf_active": False,
                "rpcs_by_message_type": [{"type_id": 2003, "message_type": "REQUEST_JOB_INFO",
                                          "count": s["rpcs"], "queued": 0, "dropped": 0, "cycle_last": 0,
                                          "cycle_max": 0, "total_time": s["rpcs"] * 150,
                                          "average_time": 150}],
                "rpcs_by_user": [{"user_id": 0, "user": "root", "count": s["rpcs"], "total_time": s["rpcs"] * 150,
                                  "average_time": 150}],
                "pending_rpcs": [], "pending_rpcs_by_hostlist": []}

    @property
    def next_job_id(self) -> int:
        return self._next_id

    def slurm_conf(self, release: str | None = None) -> tuple[dict, dict]:
        """GET /conf (v0.0.45): (slurm_conf, slurm_conf_meta)."""
        self.sync()
        return conf.slurm_conf(self, release)

    def slurmdbd_conf(self) -> dict:
        return conf.slurmdbd_conf(self)

    def reconfigure(self, as_user: str) -> None:
        self.sync()
        self._operator_only(as_user, "slurm_reconfigure()")


__all__ = ["Cluster", "SubmitResult", "parse_array", "SIGNALS", "compress", "ENDINGS", "FIXED_UIDS",
           "KILL_FLAGS", "REQUEUE_DELAY", "SNAPSHOT_FORMAT", "Job", "Node", "Partition", "Reservation",
           "License", "_Array"]
