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
    """Read the script like a very small shell would: `;`/`&&`/`||` lists and pipelines, `set -e` and
    `set -o pipefail`, `exit N`, `true`/`false`; sleeps add up; `trap` and `srun` decide which signals it
    survives; `#MOCKRESTD` directives override all of that. Other commands succeed (see README, Jobs)."""
    shell = _Shell(errexit=_shebang_errexit(script))
    oom, explicit_runtime, explicit_exit = bool(defaults.get("oom", False)), None, None
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
                    shell.ignore |= {_sig(s) for s in val.split(",") if s}
                elif key == "oom":
                    oom = val.lower() not in ("0", "false", "no")
                elif key == "fail-on-signal":       # SIG[:code],...: the job traps it and exits with code
                    for item in val.split(","):
                        name, _, code = item.partition(":")
                        if name:
                            shell.traps[_sig(name)] = int(code) if code.isdecimal() else 1
            continue
        if shell.done or line.startswith("#") or not line:
            continue
        shell.run_line(line)
    if explicit_runtime is not None:
        runtime = explicit_runtime
    elif not shell.seen_sleep:
        runtime = float(defaults.get("default_runtime", 10))
    else:
        runtime = shell.runtime
    exit_code = shell.status
    if explicit_exit is not None:
        exit_code = explicit_exit
    elif "exit_code" in defaults and not (script or "").strip():
        exit_code = int(defaults["exit_code"])
    return Plan(runtime=runtime, exit_code=exit_code, ignore=shell.ignore, swallow_once=shell.once, oom=oom,
                traps=shell.traps)


# lines that open or close a compound command: their bodies are read as if always run
_COMPOUND = re.compile(r"^(if|then|else|elif|fi|for|while|until|do|done|case|esac|\{|\}|function\b|\w+\s*\(\)\s*\{?)")
_SUCCEED = {"true", ":", "/bin/true", "/usr/bin/true"}
_FAIL = {"false", "/bin/false", "/usr/bin/false"}


class _Shell:
    """The little of bash's semantics that decides a batch script's exit status and run time."""

    def __init__(self, errexit: bool = False):
        self.status, self.runtime, self.seen_sleep, self.done = 0, 0.0, False, False
        self.errexit, self.pipefail = errexit, False
        self.ignore, self.once, self.traps = set(), set(), {}

    def run_line(self, line: str) -> None:
        if _COMPOUND.match(line):
            return
        items = _split_list(line)          # [(connector, [stage, ...]), ...]; connector of the first is ";"
        for i, (conn, stages) in enumerate(items):
            if self.done:
                return
            if conn == "&&" and self.status != 0 or conn == "||" and self.status == 0:
                continue
            self._pipeline(stages)
            if self.done:
                return
            # bash: errexit ignores a failure in an && / || list except after the list's last connector
            nxt = items[i + 1][0] if i + 1 < len(items) else ";"
            if self.errexit and self.status != 0 and nxt not in ("&&", "||"):
                self.done = True
                return

    def _pipeline(self, stages: list[str]) -> None:
        if len(stages) == 1 and _words(stages[0])[:1] == ["exit"]:
            words = _words(stages[0])
            if len(words) > 1 and words[1].isdecimal():
                self.status = int(words[1]) % 256
            self.done = True
            return
        codes = [self._command(stage) for stage in stages]
        failed = [c for c in codes if c]
        self.status = (failed[-1] if failed else 0) if self.pipefail else codes[-1]

    def _command(self, text: str) -> int:
        words = _words(text)
        while words and re.match(r"^[A-Za-z_]\w*=", words[0]):      # VAR=value cmd
            words = words[1:]
        if words[:1] == ["srun"]:
            self.once.add("INT")   # srun forwards a single SIGINT as a status request, and keeps going
            words = _strip_options(words[1:])
        if not words:
            return 0
        cmd = words[0]
        if cmd in _FAIL:
            return 1
        if cmd == "sleep" and len(words) > 1:
            m = re.match(r"^(\d+(?:\.\d+)?)([smhd]?)$", words[1])
            if m:
                self.seen_sleep = True
                self.runtime += float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
            return 0
        if cmd == "set":
            self._set(words[1:])
        elif cmd == "trap" and len(words) >= 3:
            self._trap(words[1], words[2:])
        return 0

    def _set(self, args: list[str]) -> None:
        it = iter(args)
        for arg in it:
            if arg in ("-o", "+o"):
                name = next(it, "")
                if name in ("errexit", "pipefail"):
                    setattr(self, name, arg == "-o")
            elif re.match(r"^[-+][a-zA-Z]+$", arg):
                on = arg[0] == "-"
                if "e" in arg:
                    self.errexit = on
                if arg.endswith("o"):                 # -eo pipefail, -euo pipefail
                    name = next(it, "")
                    if name in ("errexit", "pipefail"):
                        setattr(self, name, on)

    def _trap(self, handler: str, names: list[str]) -> None:
        code = re.search(r"exit\s+(\d+)", handler)
        for name in map(_sig, names):
            self.traps.pop(name, None)
            self.ignore.discard(name)
            if code:
                self.traps[name] = int(code.group(1))
            elif handler.strip() != "-":      # '' ignores it; any other handler survives it
                self.ignore.add(name)


def _shebang_errexit(script: str | None) -> bool:
    first = (script or "").lstrip().split("\n", 1)[0]
    return first.startswith("#!") and any(re.match(r"^-[a-z]*e", w) for w in first.split()[1:])


def _split_list(line: str) -> list[tuple[str, list[str]]]:
    """`a | b && c; d &` → [(";", ["a", "b"]), ("&&", ["c"]), (";", ["d"])], quotes respected."""
    items, stages, buf, conn, quote, i = [], [], "", ";", None, 0
    while i < len(line):
        ch = line[i]
        if quote:
            quote = None if ch == quote else quote
            buf += ch
        elif ch in "'\"":
            quote = ch
            buf += ch
        elif ch == "\\" and i + 1 < len(line):
            buf += line[i:i + 2]
            i += 1
        elif ch == "#" and (not buf or buf[-1].isspace()):
            break
        elif line.startswith(("&&", "||"), i) or ch in ";&":
            op = line[i:i + 2] if line.startswith(("&&", "||"), i) else ";"
            stages.append(buf)
            items.append((conn, stages))
            stages, buf, conn = [], "", op
            i += len(op) - 1 if op != ";" else 0
        elif ch == "|":
            stages.append(buf)
            buf = ""
        else:
            buf += ch
        i += 1
    stages.append(buf)
    items.append((conn, stages))
    return [(c, [s.strip() for s in st]) for c, st in items if any(s.strip() for s in st)]


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _strip_options(words: list[str]) -> list[str]:
    """srun's own options before the command: `-n 2`, `--ntasks=2`, `-N1`."""
    i = 0
    while i < len(words) and words[i].startswith("-"):
        if re.match(r"^-[a-zA-Z]$", words[i]) and i + 1 < len(words) and not words[i + 1].startswith("-") \
                and re.match(r"^[\w.,:=\[\]-]+$", words[i + 1]) and i + 2 < len(words):
            i += 1
        i += 1
    return words[i:]


def _sig(name: str) -> str:
    name = name.strip().upper().removeprefix("SIG")
    return SIGNAL_NAMES.get(int(name), name) if name.isdecimal() else name
