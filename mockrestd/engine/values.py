"""Plain values the engine speaks; the renderer turns them into Slurm's `{set, infinite, number}` structs."""


class _Infinite:
    """Slurm's INFINITE/NO_VAL distinction: `INFINITE` renders as `{set: false, infinite: true}`."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "INFINITE"

    def __reduce__(self):
        return (_Infinite, ())


INFINITE = _Infinite()
