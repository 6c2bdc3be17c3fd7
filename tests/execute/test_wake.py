"""Execute mode's wake-ups: with no request coming, the controller's own timer must still run every event."""

from __future__ import annotations

from mockrestd.engine.executor.execution import Execution


class _Clock:
    def __init__(self, t):
        self.t = t

    def now(self):
        return self.t


class _Cluster:
    """Just what Execution's wake-up reads: a clock, an event heap and sync (which runs what is due)."""

    def __init__(self):
        self.clock = _Clock(100.0)
        self._events = [(101.0, 0, "sched", 0)]
        self.ran = []
        self.config = {}

    def sync(self):
        while self._events and self._events[0][0] <= self.clock.now():
            self.ran.append(self._events.pop(0))
        return self.clock.now()


def test_a_timer_that_fires_early_is_armed_again_and_one_on_time_is_not(tmp_path):
    cluster = _Cluster()
    ex = Execution(cluster, spool=tmp_path)
    timers = []
    ex.executor.call_later = lambda delay, fn: timers.append((delay, fn)) or True
    try:
        ex.wake(101.0)
        assert len(timers) == 1
        cluster.clock.t = 100.9999995          # the loop's monotonic timer fired a hair before the event
        timers.pop()[1]()
        assert cluster.ran == [] and len(timers) == 1, "the early wake-up must be armed again"
        cluster.clock.t = 101.002
        timers.pop()[1]()
        assert [e[2] for e in cluster.ran] == ["sched"] and timers == [], "on time: run, and no second timer"
    finally:
        ex.close()
