"""Slurm's filename patterns for a job's standard input, output and error: one function for every place
that names those files (the job record's `stdout_expanded`, accounting, the files execute mode opens).

A port of `expand_stdio_fields()` (src/common/print_fields.c, Slurm 25.11.7): `%%`, `%A %a %b %J %j %r %s
%x %N %n %t %u`, a zero-padding width between `%` and the letter (at most 10), anything after a backslash
left as written, and a relative path taken against the working directory."""

from __future__ import annotations

from dataclasses import dataclass

NO_VAL = 0xFFFFFFFE                 # what a job that is not part of an array has as its array task id
BATCH = "batch"
DEFAULT_OUTPUT = "slurm-%j.out"           # DEFAULT_BATCH_STDOUT_PATH (slurmctld fills it at submit)
DEFAULT_ARRAY_OUTPUT = "slurm-%A_%a.out"  # DEFAULT_BATCH_ARRAY_STDOUT_PATH
_NUMERIC = set("AabJjrnst")
_ALWAYS = set("AabJjrSsx")          # N n t u: srun leaves them for its tasks; a batch step expands them


@dataclass
class Fields:
    """What a pattern can name (job_std_pattern_t)."""

    job_id: int
    work_dir: str = ""
    array_job_id: int = 0
    array_task_id: int | None = None       # None: not an array task (NO_VAL)
    job_name: str = ""
    user: str = ""
    node: str = ""                        # the first node of the step (%N)
    node_id: int = 0
    task_id: int = 0
    restart_count: int = 0
    step: int | str = BATCH               # a step number, or "batch"
    sluid: str = ""


def default_output(is_array: bool) -> str:
    """The output pattern slurmctld gives a batch job that names none."""
    return DEFAULT_ARRAY_OUTPUT if is_array else DEFAULT_OUTPUT


def expand(pattern: str | None, f: Fields, *, srun: bool = False) -> str:
    """The path `pattern` names for the job/step in `f` ("" for no pattern, as Slurm returns NULL)."""
    if not pattern:
        return ""
    out = []
    if not srun and f.work_dir and not pattern.startswith("/"):
        out.append(f.work_dir if f.work_dir.endswith("/") else f.work_dir + "/")
    if "\\" in pattern:                       # escaped: nothing is replaced, the backslashes go
        return "".join(out) + pattern.replace("\\", "")
    wild = _ALWAYS if srun else _ALWAYS | set("Nntu")
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:                        # a lone `%` at the end is dropped
            break
        j = i + 1
        if pattern[j] == "%":
            out.append("%")
            i = j + 1
            continue
        k = j
        while k < n and pattern[k].isdigit():
            k += 1
        digits = pattern[j:k].lstrip("0")     # a 5,000-digit width is still 10, not a ValueError
        width = 10 if len(digits) > 2 else min(int(digits or 0), 10)
        letter = pattern[k] if k < n else ""
        if letter in wild:
            out.append(_field(letter, width, f))
        else:                                  # not a wildcard: kept as written
            out.append(pattern[i:k + 1])
        i = k + 1
    return "".join(out)


def _field(letter: str, width: int, f: Fields) -> str:
    task = NO_VAL if f.array_task_id is None else f.array_task_id
    step_is_batch = f.step == BATCH
    values = {
        "A": f.array_job_id or f.job_id, "a": task, "b": task % 10, "j": f.job_id, "r": f.restart_count,
        "n": f.node_id, "t": f.task_id, "s": BATCH if step_is_batch else int(f.step),
        "N": f.node, "u": f.user, "x": f.job_name, "S": f.sluid,
    }
    if letter == "J":
        text = f"{f.job_id:0{width}d}" if width else str(f.job_id)
        return text if step_is_batch else f"{text}.{int(f.step)}"
    value = values[letter]
    if letter in _NUMERIC and isinstance(value, int):
        return f"{value:0{width}d}" if width else str(value)
    return str(value)
