"""The one clock every time-based rule reads: real time, real time × speed, or a manual clock for tests."""

from __future__ import annotations

import time


class Clock:
    """Real time by default; `speed` N makes simulated time run N× faster; it can be frozen and pushed."""

    def __init__(self, speed: float = 1.0, start: float | None = None):
        self._speed = float(speed)
        self._base_real = time.time()
        self._base_sim = self._base_real if start is None else float(start)
        self.frozen = False

    def now(self) -> float:
        if self.frozen:
            return self._base_sim
        return self._base_sim + (time.time() - self._base_real) * self._speed

    def _rebase(self) -> None:
        self._base_sim, self._base_real = self.now(), time.time()

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value <= 0:
            raise ValueError("speed must be positive")
        self._rebase()
        self._speed = float(value)

    def freeze(self) -> None:
        self._rebase()
        self.frozen = True

    def unfreeze(self) -> None:
        """Run on from the frozen time; a clock that already runs keeps its time (no step back)."""
        if not self.frozen:
            return
        self._base_real = time.time()
        self.frozen = False

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only goes forward")
        self._rebase()
        self._base_sim += seconds

    def set(self, t: float) -> None:
        self._base_real = time.time()
        self._base_sim = float(t)


class ManualClock(Clock):
    """Moves only when told: deterministic tests."""

    def __init__(self, start: float | None = None):
        super().__init__(1.0, start if start is not None else 1_760_000_000.0)
        self.frozen = True
