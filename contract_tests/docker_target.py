"""The `docker` target: compose/docker-compose.yml's real Slurm (slurmctld, slurmd, slurmdbd + MariaDB,
slurmrestd) and the containerised mockrestd beside it, on a Docker engine or on podman's Docker-compatible
service, driven through the Docker SDK. The same code serves both engines: only the API's URL differs.

    python -m contract_tests.docker_target up [forky|trixie]   # build, start, wait; print SLURMRESTD_URL ...
    python -m contract_tests.docker_target down
    CONTRACT_TARGET=docker python -m contract_tests ...      # the suite against a running stack

`up` builds the images (compose/images.sh: a debootstrapped base when no registry answers), runs
`docker compose` (or Debian's `docker-compose` 1.29) `down -v` then `up -d`, waits until slurmrestd serves
the node IDLE and slurmdbd's cluster, and mints root's token with `scontrol token` inside slurmctld. Without a
Docker engine it starts `podman system service` itself (root, compose/podman/containers.conf)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .target import REPO_DIR, Target

COMPOSE_DIR = REPO_DIR / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
PROJECT = os.environ.get("CONTRACT_DOCKER_PROJECT", "mockrestd")
DOCKER_SOCK = "unix:///var/run/docker.sock"
PODMAN_SOCK = "unix:///run/podman/podman.sock"
PORTS = {"slurmrestd": int(os.environ.get("SLURMRESTD_HOST_PORT", "7850")),
         "mockrestd": int(os.environ.get("MOCKRESTD_HOST_PORT", "7851"))}
TOKEN_LIFESPAN = 86400


def _log(msg: str) -> None:
    print(f"[docker-target] {msg}", file=sys.stderr, flush=True)


def _client(url: str, timeout: int = 120):
    import docker
    return docker.DockerClient(base_url=url, timeout=timeout)


def _answers(url: str) -> bool:
    try:
        return bool(_client(url, 5).ping())
    except Exception:   # noqa: BLE001 - any failure means: no engine there
        return False


@dataclass
class Podman:
    """`podman system service` started here (when no Docker engine answers); stopped by stop()."""
    url: str
    proc: subprocess.Popen | None = None

    def stop(self) -> None:
        from .target import stop_process
        stop_process(self.proc)
        self.proc = None


def podman_env() -> dict:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(COMPOSE_DIR / "podman" / "containers.conf"))
    return env


def engine(start_podman: bool = True) -> tuple[str, Podman | None]:
    """A Docker-compatible API: DOCKER_HOST, else Docker's socket, else podman's (its service started here
    when podman is installed and nothing answers). Raises when there is none."""
    given = os.environ.get("DOCKER_HOST")
    candidates = [given] if given else [DOCKER_SOCK, PODMAN_SOCK]
    for url in candidates:
        if _answers(url):
            return url, None
    if given or not start_podman or not shutil.which("podman"):
        raise RuntimeError(f"no Docker-compatible engine answers at {', '.join(candidates)}"
                           + ("" if shutil.which("podman") else " (and podman is not installed)"))
    Path(PODMAN_SOCK[len("unix://"):]).parent.mkdir(parents=True, exist_ok=True)
    log_dir = Path(os.environ.get("MOCKRESTD_REAL_DIR", "/var/tmp/mockrestd-real")) / ".cache" / "containers"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / "podman-service.log", "ab")
    proc = subprocess.Popen(["podman", "system", "service", "--time=0", PODMAN_SOCK], env=podman_env(),
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    service = Podman(PODMAN_SOCK, proc)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"podman system service exited with {proc.returncode} (log: {log.name})")
        if _answers(PODMAN_SOCK):
            _log(f"started podman system service (pid {proc.pid}) on {PODMAN_SOCK}")
            return PODMAN_SOCK, service
        time.sleep(0.2)
    service.stop()
    raise RuntimeError(f"podman system service did not answer within 30 s (log: {log.name})")


def compose_command() -> list[str]:
    """`docker compose` (v2) when the docker CLI has it, else `docker-compose` (Debian 12's 1.29)."""
    if os.environ.get("CONTRACT_COMPOSE"):
        return os.environ["CONTRACT_COMPOSE"].split()
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise RuntimeError("neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)")


def build_images(suite: str, url: str) -> dict:
    """compose/images.sh SUITE; the variables it prints (DEBIAN_IMAGE, SLURM_SUITE, MOCKRESTD_PROFILE)."""
    env = podman_env()
    env["MOCKRESTD_ENGINE"] = "podman" if url == PODMAN_SOCK else "docker"
    env["DOCKER_HOST"] = url
    proc = subprocess.run(["bash", str(COMPOSE_DIR / "images.sh"), suite], env=env, stdout=subprocess.PIPE,
                          text=True, timeout=1800)
    if proc.returncode:
        raise RuntimeError(f"compose/images.sh {suite} failed ({proc.returncode})")
    return dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)


@dataclass
class Stack:
    url: str                                   # the engine's API
    variables: dict                            # compose variables (from images.sh)
    podman: Podman | None = None
    timings: dict = field(default_factory=dict)
    token: str | None = None
    key: bytes | None = None
    version: str | None = None                 # newest /slurm/ version the real daemon serves
    _key_file: str | None = field(default=None, repr=False)

    @property
    def client(self):
        return _client(self.url)

    def compose(self, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
        env = podman_env()
        env.update(self.variables, DOCKER_HOST=self.url)
        env.setdefault("MOCKRESTD_SPECS_DIR", _specs_dir())
        cmd = [*compose_command(), "-p", PROJECT, "-f", str(COMPOSE_FILE), *args]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-4000:]}")
        return proc

    def container(self, service: str):
        found = self.client.containers.list(all=True, filters={"label": [
            f"com.docker.compose.project={PROJECT}", f"com.docker.compose.service={service}"]})
        if not found:
            raise RuntimeError(f"no container of service {service} in project {PROJECT}")
        return found[0]

    def exec(self, service: str, cmd: list[str], user: str = "root") -> tuple[int, bytes]:
        # env -i: a SLURM_JWT in the container's environment would be used by scontrol token
        res = self.container(service).exec_run(["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", *cmd], user=user,
                                               demux=False)
        return res.exit_code, res.output or b""

    def host_url(self, service: str) -> str:
        ports = self.container(service).attrs["NetworkSettings"]["Ports"] or {}
        binding = (ports.get("6820/tcp") or [{}])[0]
        return f"http://127.0.0.1:{binding.get('HostPort') or PORTS[service]}"

    def logs(self, service: str, tail: int = 60) -> str:
        try:
            return self.container(service).logs(tail=tail).decode(errors="replace")
        except Exception as e:  # noqa: BLE001 - diagnostics only
            return f"(no logs of {service}: {e})"

    def mint_token(self, user: str = "root", lifespan: int = TOKEN_LIFESPAN) -> str:
        rc, out = self.exec("slurmctld", ["scontrol", "token", f"username={user}", f"lifespan={lifespan}"])
        text = out.decode(errors="replace")
        for line in text.splitlines():
            if line.startswith("SLURM_JWT="):
                return line.split("=", 1)[1].strip()
        raise RuntimeError(f"scontrol token username={user} failed ({rc}): {text[-500:]}")

    def key_bytes(self) -> bytes:
        """The HS256 key, copied out of slurmctld through the API (no exec; a remote engine works too)."""
        if self.key is None:
            import io
            import tarfile
            stream, _ = self.container("slurmctld").get_archive("/etc/slurm/jwt_hs256.key")
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
                member = tar.extractfile("jwt_hs256.key")
                key = member.read() if member else b""
            if len(key) < 32:
                raise RuntimeError("could not read jwt_hs256.key from slurmctld")
            self.key = key
        return self.key

    def key_file(self) -> str:
        """The key in a private file (for SLURM_JWT_KEY_FILE); removed by down()."""
        if self._key_file is None:
            fd, path = tempfile.mkstemp(prefix="docker-target-jwt-")
            os.write(fd, self.key_bytes())
            os.close(fd)
            self._key_file = path
        return self._key_file

    def up(self, timeout: float = 300) -> "Stack":
        t0 = time.monotonic()
        self.compose("down", "-v", "--remove-orphans")    # a clean start: 1.29's recreate left DNS dead
        self.compose("up", "-d", "--no-build")
        self.timings["compose_up_s"] = round(time.monotonic() - t0, 1)
        self.wait_ready(timeout)
        self.timings["ready_s"] = round(time.monotonic() - t0, 1)
        return self

    def wait_ready(self, timeout: float) -> None:
        """Until root's token works, the node is IDLE and slurmdbd knows the cluster; then the accounts."""
        deadline = time.monotonic() + timeout
        last = "nothing yet"
        real = self.host_url("slurmrestd")
        while time.monotonic() < deadline:
            try:
                for service in ("mariadb", "slurmdbd", "slurmctld", "slurmd", "slurmrestd", "mockrestd"):
                    c = self.container(service)
                    if c.status in ("exited", "dead"):
                        raise RuntimeError(f"service {service} exited:\n{self.logs(service)}")
                self.token = self.token or self.mint_token()
                h = {"X-SLURM-USER-TOKEN": self.token}
                if self.version is None:
                    paths = httpx.get(f"{real}/openapi/v3", headers=h, timeout=20).json()["paths"]
                    self.version = max({p.split("/")[2] for p in paths if p.startswith("/slurm/v")},
                                       key=lambda v: tuple(int(x) for x in v[1:].split(".")))
                nodes = httpx.get(f"{real}/slurm/{self.version}/nodes/", headers=h, timeout=20)
                states = [s for n in nodes.json().get("nodes", []) for s in _as_list(n.get("state"))]
                clusters = httpx.get(f"{real}/slurmdb/{self.version}/clusters/", headers=h, timeout=20)
                mock = httpx.get(f"{self.host_url('mockrestd')}/slurm/{self.version}/ping/", headers=h, timeout=20)
                last = f"nodes {nodes.status_code} {states}, clusters {clusters.status_code}, mock {mock.status_code}"
                if ("IDLE" in states or "idle" in states) and clusters.status_code == 200 \
                        and clusters.json().get("clusters") and mock.status_code == 200:
                    break
            except RuntimeError as e:
                if "exited" in str(e):
                    raise
                last = str(e)[-300:]
            except (httpx.HTTPError, ValueError, KeyError) as e:
                last = f"{type(e).__name__}: {e}"
            time.sleep(1)
        else:
            raise RuntimeError(f"the stack was not ready within {timeout:.0f} s ({last})\n"
                               + "\n".join(f"--- {s}\n{self.logs(s, 30)}" for s in ("slurmctld", "slurmd", "slurmrestd")))
        # an account with associations for root and an ordinary user, as compose/native does (one exec:
        # each leaves a conmon behind for minutes under podman, and costs seconds)
        self.exec("slurmctld", ["sh", "-c", "sacctmgr -i add account mockci Description=mockrestd Organization=mockrestd;"
                                " sacctmgr -i add user mockci Account=mockci; sacctmgr -i add user root Account=mockci"])
        self.key_bytes()

    def real_target(self) -> Target:
        return Target(url=self.host_url("slurmrestd"), token=self.token, user="root", kind="docker",
                      key=self.key_bytes())

    def mock_target(self) -> Target:
        """The containerised mock: the same key as the real daemons, so the same token works on both."""
        return Target(url=self.host_url("mockrestd"), token=self.token, user="root", kind="mock",
                      key=self.key_bytes())

    def env(self) -> dict:
        return {"SLURMRESTD_URL": self.host_url("slurmrestd"), "SLURM_JWT": self.token, "SLURM_USER": "root",
                "SLURM_JWT_KEY_FILE": self.key_file(), "SLURM_API_VERSION": self.version,
                "MOCKRESTD_URL": self.host_url("mockrestd"), "DOCKER_HOST": self.url}

    def down(self) -> None:
        try:
            self.compose("down", "-v", "--remove-orphans")
        finally:
            if self._key_file:
                Path(self._key_file).unlink(missing_ok=True)
                self._key_file = None
            if self.podman is not None:
                self.podman.stop()


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def _specs_dir() -> str:
    from .target import _mock_specs_dir
    return _mock_specs_dir() or str(REPO_DIR / "specs")


def stack(suite: str | None = None, build: bool = True, start_podman: bool = True) -> Stack:
    """The stack's handle (images built when `build`); call .up() to (re)start it."""
    suite = suite or os.environ.get("SLURM_SUITE", "forky")
    url, podman = engine(start_podman)
    t0 = time.monotonic()
    variables = build_images(suite, url) if build else {"SLURM_SUITE": suite}
    s = Stack(url=url, variables=variables, podman=podman)
    s.timings["images_s"] = round(time.monotonic() - t0, 1)
    return s


def running_target() -> Target:
    """CONTRACT_TARGET=docker: the real daemon of a stack that is already up, found through the SDK."""
    url, _ = engine(start_podman=False)
    s = Stack(url=url, variables={})
    s.token = s.mint_token()
    return s.real_target()


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("up", "down"):
        print("usage: python -m contract_tests.docker_target up [forky|trixie] | down", file=sys.stderr)
        return 2
    if args[0] == "down":
        url, _ = engine(start_podman=False)
        Stack(url=url, variables={}).compose("down", "-v", "--remove-orphans")
        return 0
    s = stack(args[1] if len(args) > 1 else None).up()
    for k, v in s.env().items():
        print(f"{k}={v}")
    _log(f"timings: {s.timings}")
    if s.podman is not None:
        _log(f"podman system service left running (pid {s.podman.proc.pid}); `down` does not stop it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
