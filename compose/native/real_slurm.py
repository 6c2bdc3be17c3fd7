"""Start and stop the real Slurm targets of compose/native from Python (stdlib only; httpx is not needed here).

Import it by path (it is not part of the mockrestd package)::

    import importlib.util
    spec = importlib.util.spec_from_file_location("real_slurm", "compose/native/real_slurm.py")
    real_slurm = importlib.util.module_from_spec(spec); spec.loader.exec_module(real_slurm)

    env = real_slurm.start("forky")          # runs start.sh (root), returns its KEY=VALUE lines
    env["SLURMRESTD_URL"], env["SLURM_JWT"], env["SLURM_API_VERSIONS"]
    real_slurm.stop("forky")

Targets: ``forky`` (Slurm 26.05, REST on 127.0.0.1:7820), ``trixie`` (24.11, :7830), ``host`` (the
machine's Debian 12 packages, 22.05, :7840). See compose/README.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shlex
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = HERE / "start.sh"
STOP = HERE / "stop.sh"
TARGETS = ("forky", "trixie", "host")
PORTS = {"forky": 7820, "trixie": 7830, "host": 7840}


class RealSlurmError(RuntimeError):
    """start.sh or stop.sh failed; the message ends with the tail of its stderr."""


def parse_env(text: str) -> dict[str, str]:
    """Parse start.sh output (or its env file): KEY=VALUE lines, values possibly shell-quoted."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export "):]
        key, _, value = line.partition("=")
        if not key.isidentifier():
            continue
        parts = shlex.split(value) if value else [""]
        env[key] = " ".join(parts)
    return env


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise RealSlurmError(f"{' '.join(argv)} timed out after {timeout:.0f} s\n{err[-3000:]}") from exc
    if proc.returncode != 0:
        raise RealSlurmError(f"{' '.join(argv)} exited {proc.returncode}\n{proc.stderr[-3000:]}")
    return proc


def start(target: str, with_dbd: bool = False, timeout: float = 900) -> dict[str, str]:
    """Start (or reuse) a real Slurm target and return the environment start.sh printed.

    Keys: SLURMRESTD_URL, SLURM_JWT (root's token), SLURM_USER (root), SLURM_JWT_KEY_FILE,
    SLURM_RELEASE, SLURM_API_VERSIONS (space separated), SLURM_PLUGINS (space separated),
    SLURM_PLAIN_USER, SLURM_PLAIN_JWT (an ordinary user). Needs root (apt, debootstrap, chroot).
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; one of {TARGETS}")
    argv = ["bash", str(START), target] + (["--with-dbd"] if with_dbd else [])
    env = parse_env(_run(argv, timeout).stdout)
    missing = {"SLURMRESTD_URL", "SLURM_JWT", "SLURM_USER", "SLURM_JWT_KEY_FILE", "SLURM_RELEASE",
               "SLURM_API_VERSIONS", "SLURM_PLUGINS"} - env.keys()
    if missing:
        raise RealSlurmError(f"start.sh {target} did not print {sorted(missing)}")
    return env


def stop(target: str, purge: bool = False, timeout: float = 300) -> None:
    """Stop a target's daemons (by PID) and unmount its chroot; purge=True also deletes it."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; one of {TARGETS}")
    _run(["bash", str(STOP), target] + (["--purge"] if purge else []), timeout)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint_token(key_file: str | os.PathLike, user: str, lifespan: int = 3600) -> str:
    """An HS256 token like `scontrol token username=USER lifespan=N` (claims sun, iat, exp),
    signed with the raw bytes of Slurm's jwt_hs256.key. Uses pyjwt when it is installed, and an
    equivalent stdlib encoder otherwise."""
    key = Path(key_file).read_bytes()
    now = int(time.time())
    claims = {"exp": now + int(lifespan), "iat": now, "sun": user}
    try:
        import jwt  # pyjwt
    except ImportError:
        header = {"alg": "HS256", "typ": "JWT"}
        signing_input = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
                         + _b64(json.dumps(claims, separators=(",", ":")).encode()))
        sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        return signing_input + "." + _b64(sig)
    token = jwt.encode(claims, key, algorithm="HS256")
    return token.decode() if isinstance(token, bytes) else token


def _main(argv: list[str]) -> int:
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start"); s.add_argument("target", choices=TARGETS); s.add_argument("--with-dbd", action="store_true")
    t = sub.add_parser("stop"); t.add_argument("target", choices=TARGETS); t.add_argument("--purge", action="store_true")
    m = sub.add_parser("token"); m.add_argument("key_file"); m.add_argument("user"); m.add_argument("--lifespan", type=int, default=3600)
    a = p.parse_args(argv)
    if a.cmd == "start":
        for k, v in start(a.target, a.with_dbd).items():
            print(f"{k}={shlex.quote(v)}")
    elif a.cmd == "stop":
        stop(a.target, a.purge)
    else:
        print(f"SLURM_JWT={mint_token(a.key_file, a.user, a.lifespan)}")
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(_main(sys.argv[1:]))
