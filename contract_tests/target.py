"""Which slurmrestd the suite talks to, chosen at run time.

`SLURMRESTD_URL` + `SLURM_JWT` (optionally `SLURM_USER`, `SLURM_JWT_KEY_FILE`) name an existing daemon;
`CONTRACT_TARGET=docker` names the real slurmrestd of compose/docker-compose.yml's running stack (found
through the Docker SDK, token minted inside it: see docker_target.py); without them a mock is started for the run (`python -m mockrestd serve` on a free port, a fresh key in a
temporary folder, `--speed 20`) and stopped at the end. One target per process: under xdist every worker
has its own mock, which keeps the workers' jobs apart."""

from __future__ import annotations

import atexit
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() not in ("0", "no", "false", "off")


def token_claims(token: str) -> dict:
    """The claims of a JWT without checking its signature (only to learn the user name)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}


def mint(key: bytes, user: str, lifespan: int = 1800, now: float | None = None) -> str:
    """A token like `scontrol token` makes (HS256 over the raw key bytes; claims sun, iat, exp)."""
    import jwt
    now = int(time.time() if now is None else now)
    return jwt.encode({"exp": now + int(lifespan), "iat": now, "sun": user}, key, algorithm="HS256")


@dataclass
class Target:
    url: str
    token: str
    user: str
    kind: str                      # "mock" (started by the suite), "external" or "docker" (compose stack)
    key: bytes | None = None       # HS256 key when known (mock, or SLURM_JWT_KEY_FILE)
    user_header: bool = False      # send X-SLURM-USER-NAME too (SLURM_USER given)
    proc: subprocess.Popen | None = field(default=None, repr=False)
    workdir: str | None = field(default=None, repr=False)
    _release: str | None = field(default=None, repr=False)

    @property
    def is_mock(self) -> bool:
        return self.kind == "mock"

    @property
    def destructive(self) -> bool:
        """Operations that can wreck a cluster's setup run only on the mock unless CONTRACT_DESTRUCTIVE=1."""
        return env_flag("CONTRACT_DESTRUCTIVE", self.is_mock)

    def headers(self, style: str = "header", token: str | None = None) -> dict:
        """Auth headers in either style slurmrestd accepts: `header` (X-SLURM-USER-TOKEN) or `bearer`."""
        tok = self.token if token is None else token
        if style == "bearer":
            return {"Authorization": f"Bearer {tok}"}
        h = {"X-SLURM-USER-TOKEN": tok}
        if self.user_header:
            h["X-SLURM-USER-NAME"] = self.user
        return h

    def mint(self, user: str | None = None, lifespan: int = 1800, now: float | None = None) -> str | None:
        """A new token for `user`; None when the key is not known (external target without key file)."""
        if self.key is None:
            return None
        return mint(self.key, user or self.user, lifespan, now)

    def release(self, version: str | None = None) -> str:
        """Slurm release of the target, from `meta.slurm.release` of a ping answer (cached)."""
        if self._release is None:
            from .specdoc import target_versions
            versions = [version] if version else target_versions()[::-1]
            for v in versions:
                try:
                    r = httpx.get(f"{self.url}/slurm/{v}/ping/", headers=self.headers(), timeout=20)
                    meta = r.json().get("meta", {})
                except (httpx.HTTPError, ValueError):
                    continue
                slurm = meta.get("slurm") or meta.get("Slurm") or {}
                if slurm.get("release"):
                    self._release = str(slurm["release"])
                    break
            else:
                self._release = "unknown"
        return self._release

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
        if self.workdir:
            self._keep_log()
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def _keep_log(self) -> None:
        """The mock's own log (tracebacks of anything it could not answer) goes beside the report."""
        log = Path(self.workdir) / "mockrestd.log"
        if not log.is_file() or not log.stat().st_size:
            return
        try:
            from .report import report_dir
            out = report_dir()
            out.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(log, out / f"mockrestd-{Path(self.workdir).name}.log")
        except OSError:
            pass


_TARGET: Target | None = None
_DOCKER: Target | None = None      # CONTRACT_TARGET=docker: looked up once per process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mock_specs_dir() -> str | None:
    """Spec folder for the mock: CONTRACT_MOCK_SPECS, else ../shared/specs beside the repo, else the
    mock's own default."""
    for candidate in (os.environ.get("CONTRACT_MOCK_SPECS"),
                      os.environ.get("MOCKRESTD_SHARED") and str(Path(os.environ["MOCKRESTD_SHARED"]) / "specs"),
                      str(REPO_DIR.parent / "shared" / "specs")):
        if candidate and Path(candidate).is_dir():
            return candidate
    return None


def start_mock(extra_args: list[str] | None = None, speed: str | None = None) -> Target:
    """Start `python -m mockrestd serve` on a free port with a fresh key; wait until it answers."""
    workdir = tempfile.mkdtemp(prefix="contract-mock-")
    key = os.urandom(32)
    key_file = Path(workdir) / "jwt_hs256.key"
    key_file.write_bytes(key)
    port = free_port()
    cmd = [sys.executable, "-m", "mockrestd", "serve", f"127.0.0.1:{port}", "--jwt-key", str(key_file),
           "--speed", speed or os.environ.get("CONTRACT_MOCK_SPEED", "20")]
    specs = _mock_specs_dir()
    if specs:
        cmd += ["--specs", specs]
    cmd += extra_args if extra_args is not None else os.environ.get("CONTRACT_MOCK_ARGS", "").split()
    env = dict(os.environ, XDG_STATE_HOME=str(Path(workdir) / "state"))
    if (REPO_DIR / "mockrestd").is_dir():   # running from a checkout: let the child find the package
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_DIR), env.get("PYTHONPATH")) if p)
    log = open(Path(workdir) / "mockrestd.log", "wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    user = os.environ.get("CONTRACT_MOCK_USER", "root")
    # a 22.05 profile wants X-SLURM-USER-NAME beside the token, as real 22.05 does
    user_header = any(a.startswith("22.") for a in cmd)
    target = Target(url=f"http://127.0.0.1:{port}", token=mint(key, user, 24 * 3600), user=user, kind="mock",
                    key=key, proc=proc, workdir=workdir, user_header=user_header)
    wait = float(os.environ.get("CONTRACT_MOCK_START_TIMEOUT", "60"))    # a loaded CI machine needs more
    deadline = time.time() + wait
    while time.time() < deadline:
        if proc.poll() is not None:
            log.close()
            text = (Path(workdir) / "mockrestd.log").read_text(errors="replace")[-3000:]
            target.stop()
            raise RuntimeError(f"mockrestd serve exited with {proc.returncode}:\n{text}")
        try:
            r = httpx.get(f"{target.url}/openapi/v3", headers=target.headers(), timeout=2)
            if r.status_code == 200:
                return target
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    target.stop()
    raise RuntimeError(f"mockrestd serve did not answer within {wait:.0f} s ({' '.join(cmd)})")


def external_target() -> Target | None:
    url = os.environ.get("SLURMRESTD_URL", "").strip()
    token = os.environ.get("SLURM_JWT", "").strip()
    if not url and os.environ.get("CONTRACT_TARGET", "").strip() == "docker":
        global _DOCKER
        if _DOCKER is None:
            from .docker_target import running_target
            _DOCKER = running_target()
        return _DOCKER
    if not url:
        return None
    if not token:
        raise RuntimeError("SLURMRESTD_URL is set but SLURM_JWT is not: give both (or neither, to use the mock)")
    key = None
    key_file = os.environ.get("SLURM_JWT_KEY_FILE", "").strip()
    if key_file:
        key = Path(key_file).read_bytes()
    user = os.environ.get("SLURM_USER", "").strip()
    claimed = token_claims(token)
    name = user or claimed.get("sun") or claimed.get("username") or os.environ.get("USER", "root")
    return Target(url=url.rstrip("/"), token=token, user=name, kind="external", key=key, user_header=bool(user))


def get_target() -> Target:
    """The process-wide target (started on first use; a started mock is stopped at exit)."""
    global _TARGET
    if _TARGET is None:
        _TARGET = external_target() or start_mock()
        atexit.register(stop_target)
    return _TARGET


def stop_target() -> None:
    global _TARGET
    if _TARGET is not None:
        _TARGET.stop()
        _TARGET = None


def stop_process(proc) -> None:
    """Ask a process this suite started to end (SIGTERM), and kill it after 10 s."""
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
