"""What a job does when it runs, read from its script: `sleep N`, `exit N`, and `#MOCKRESTD` directives.

A real job's fate is decided by its processes; the mock reads the same script and derives a small plan
(how long, which exit code, which signals it survives) so that demos behave like the real thing."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

SIGNALS = {"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8, "KILL": 9,
           "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17,
           "CONT": 18, "STOP": 19, "TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
           "VTALRM": 26, "PROF": 27, "WINCH": 28, "POLL": 29, "PWR": 30, "SYS": 31}
SIGNAL_NAMES = {v: k for k, v in SIGNALS.items()}
# signals whose default action does not end a process
HARMLESS = {"CHLD", "CONT", "URG", "WINCH", "STOP", "TSTP", "TTIN", "TTOU"}


def signal_number(value) -> int | None:
    """"SIGINT", "INT", "2", 2 → 2; anything else → None (Slurm: "Unknown signal")."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if value in SIGNAL_NAMES else None
    text = str(value).strip().upper()
    if text.isdecimal():
        n = int(text)
        return n if n in SIGNAL_NAMES else None
    text = text[3:] if text.startswith("SIG") else text
    return SIGNALS.get(text)


# what a signal does to a job's processes by default (signal(7)): the ones not listed terminate them
DEFAULT_ACTION = {"CHLD": "ignore", "URG": "ignore", "WINCH": "ignore", "CONT": "continue",
                  "STOP": "stop", "TSTP": "stop", "TTIN": "stop", "TTOU": "stop"}
UNCATCHABLE = {"KILL", "STOP"}


@dataclass
class Plan:
    """What the job's processes will do: the data the lifecycle reads instead of per-case code."""

    runtime: float                      # seconds of work
    exit_code: int = 0
    ignore: set = field(default_factory=set)       # signal names the job survives (every time)
    swallow_once: set = field(default_factory=set)  # survives the first one (srun and SIGINT)
    oom: bool = False
    traps: dict = field(default_factory=dict)       # signal name -> exit code the trap handler exits with

    def reaction(self, name: str, seen_before: bool, batch_only: bool = False) -> tuple[str, int | None]:
        """("ignore" | "stop" | "continue" | "exit" | "die", exit code) for a signal delivered now."""
        if name not in UNCATCHABLE:
            if name in self.traps:
                return "exit", self.traps[name]
            if name in self.ignore:
                return "ignore", None
            if name in self.swallow_once and not seen_before and not batch_only:
                return "ignore", None
        action = DEFAULT_ACTION.get(name, "die")
        return action, None


def plan_for(script: str | None, defaults: dict) -> Plan:
    """Read the script like a very small shell would: sleeps add up, `exit N`/`false` decide the code,
    `trap` and `srun` decide which signals it survives; `#MOCKRESTD` directives override all of that."""
    runtime, seen_sleep, exit_code = 0.0, False, 0
    ignore, once, oom, traps = set(), set(), bool(defaults.get("oom", False)), {}
    explicit_runtime = explicit_exit = None
    for raw in (script or "").splitlines():
        line = raw.strip()
        if line.startswith("#MOCKRESTD"):
            for tok in shlex.split(line[len("#MOCKRESTD"):]):
                key, _, val = tok.lstrip("-").partition("=")
                if key == "runtime":
                    explicit_runtime = float(val)
                elif key == "exit-code":
                    explicit_exit = int(val)
                elif key == "ignore-signal":
                    ignore |= {_sig(s) for s in val.split(",") if s}
                elif key == "oom":
                    oom = val.lower() not in ("0", "false", "no")
                elif key == "fail-on-signal":       # SIG[:code],...: the job traps it and exits with code
                    for item in val.split(","):
                        name, _, code = item.partition(":")
                        if name:
                            traps[_sig(name)] = int(code) if code.isdecimal() else 1
            continue
        if line.startswith("#") or not line:
            continue
        m = re.match(r"^(?:srun\s+(?:-\S+\s+)*)?sleep\s+(\d+(?:\.\d+)?)([smhd]?)\b", line)
        if m:
            seen_sleep = True
            runtime += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
        m = re.match(r"^exit(?:\s+(\d+))?\s*(?:;|$)", line)
        if m:
            exit_code = int(m.group(1) or exit_code)
            break
        last = re.split(r"&&|;|\|\|", line)[-1].strip()
        if not line.startswith(("trap ", "set ", "export ")):
            exit_code = 1 if last in ("false", "/bin/false") else 0     # a script ends with its last status
        if re.match(r"^srun\b", line):
            once.add("INT")        # srun forwards a single SIGINT as a status request, and keeps going
        m = re.match(r"^trap\s+('[^']*'|\"[^\"]*\"|\S+)\s+(.+)$", line)
        if m:
            handler, names = m.group(1).strip("'\""), [_sig(n) for n in m.group(2).split()]
            code = re.search(r"exit\s+(\d+)", handler)
            for name in names:
                traps.pop(name, None)
                ignore.discard(name)
                if code:
                    traps[name] = int(code.group(1))
                elif handler.strip() != "-":      # '' ignores it; any other handler survives it
                    ignore.add(name)
    if explicit_runtime is not None:
        runtime = explicit_runtime
    elif not seen_sleep:
        runtime = float(defaults.get("default_runtime", 10))
    if explicit_exit is not None:
        exit_code = explicit_exit
    elif "exit_code" in defaults and not (script or "").strip():
        exit_code = int(defaults["exit_code"])
    return Plan(runtime=runtime, exit_code=exit_code, ignore=ignore, swallow_once=once, oom=oom, traps=traps)


def _sig(name: str) -> str:
    name = name.strip().upper().removeprefix("SIG")
    return SIGNAL_NAMES.get(int(name), name) if name.isdecimal() else name
