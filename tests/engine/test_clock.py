"""The clock every time rule reads: freezing and unfreezing never move it backwards."""

import time

from mockrestd.engine.clock import Clock


def test_unfreeze_of_a_running_clock_keeps_its_time():
    clock = Clock(speed=1000.0, start=1_000_000.0)   # fast, so a step back would be thousands of seconds
    time.sleep(0.05)
    before = clock.now()
    assert before > 1_000_000.0 + 10                 # it has been running
    clock.unfreeze()                                 # already running: must be a no-op
    after = clock.now()
    assert after >= before, f"unfreeze set a running clock back by {before - after:.1f} s"
    assert not clock.frozen


def test_freeze_then_unfreeze_runs_on_from_the_frozen_time():
    clock = Clock(speed=1000.0, start=1_000_000.0)
    clock.freeze()
    frozen_at = clock.now()
    time.sleep(0.05)
    assert clock.now() == frozen_at                  # frozen: wall time passing does not move it
    clock.unfreeze()
    now = clock.now()
    assert frozen_at <= now < frozen_at + 40         # from the frozen time on, not from where it would be
    time.sleep(0.02)
    assert clock.now() > now


def test_advance_while_running_and_then_unfreeze_does_not_undo_the_advance():
    clock = Clock(speed=1.0, start=5_000.0)
    clock.advance(600)
    assert clock.now() >= 5_600
    clock.unfreeze()
    assert clock.now() >= 5_600
