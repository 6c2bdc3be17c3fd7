"""Static checks of compose/docker-compose.yml and compose/docker/ (no Docker engine needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.compose.conftest import COMPOSE

COMPOSE_FILE = COMPOSE / "docker-compose.yml"
DOCKER = COMPOSE / "docker"
SLURM_SERVICES = {"mariadb", "slurmdbd", "slurmctld", "slurmd", "slurmrestd"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _expand(value: str) -> str:
    """Compose-style ${VAR:-default} / ${VAR-default} with the defaults (what an unset environment gives)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}", lambda m: m.group(1) or "", value)


def _build(svc: dict) -> tuple[Path, Path, str | None]:
    build = svc["build"]
    if isinstance(build, str):
        build = {"context": build}
    context = (COMPOSE / _expand(build.get("context", "."))).resolve()
    dockerfile = (context / _expand(build.get("dockerfile", "Dockerfile"))).resolve()
    return context, dockerfile, build.get("target")


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, buf = [], ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    return out


def _stages(instructions) -> list[str]:
    return [m.group(1) for ins, args in instructions if ins == "FROM"
            for m in [re.search(r"\bAS\s+(\S+)", args, re.I)] if m]


def _host_ports(svc: dict) -> list[str]:
    ports = []
    for p in svc.get("ports", []):
        if isinstance(p, dict):
            ports.append(f"{p.get('host_ip', '0.0.0.0')}:{p['published']}")
        else:
            parts = _expand(str(p)).split(":")
            ports.append(":".join(parts[:-1]) if len(parts) > 1 else parts[0])
    return ports


def test_compose_parses_with_the_expected_services(services):
    assert set(services) == SLURM_SERVICES | {"mockrestd"}


def test_every_build_context_dockerfile_and_target_exists(services):
    for name, svc in services.items():
        assert "build" in svc, f"{name}: every service is built from this repository"
        context, dockerfile, target = _build(svc)
        assert context.is_dir(), f"{name}: build context {context} missing"
        assert dockerfile.is_file(), f"{name}: Dockerfile {dockerfile} missing"
        if target:
            assert target in _stages(_instructions(dockerfile)), f"{name}: no stage {target!r} in {dockerfile.name}"


def test_slurm_images_are_built_from_debian_forky_packages(services):
    dockerfile = _build(services["slurmctld"])[1]
    text = dockerfile.read_text()
    assert "ARG DEBIAN_IMAGE=debian:forky-slim" in text
    for svc in SLURM_SERVICES:
        assert _build(services[svc])[1] == dockerfile
    # every Slurm daemon comes from Debian's packages, not from a prebuilt Slurm image
    for pkg in ("slurmctld", "slurmd", "slurmrestd", "slurmdbd", "slurm-wlm-jwt-plugin", "mariadb-server"):
        assert re.search(rf"apt-get install[^\n]*\b{re.escape(pkg)}\b", text.replace("\\\n", " ")), pkg


@pytest.mark.parametrize("dockerfile", sorted(DOCKER.glob("*Dockerfile")), ids=lambda p: p.name)
def test_dockerfile_from_and_copy_sources(dockerfile, services):
    contexts = {_build(s)[1]: _build(s)[0] for s in services.values()}
    assert dockerfile.resolve() in contexts, f"{dockerfile.name} is used by no service"
    context = contexts[dockerfile.resolve()]
    instructions = _instructions(dockerfile)
    first = next(ins for ins, _ in instructions)
    assert first in ("FROM", "ARG"), f"{dockerfile.name}: must start with FROM (or ARG for FROM)"
    assert any(ins == "FROM" for ins, _ in instructions)
    stages = _stages(instructions)
    for ins, args in instructions:
        if ins not in ("COPY", "ADD"):
            continue
        words = args.split()
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        sources = paths[:-1]
        assert sources, f"{dockerfile.name}: {ins} {args}"
        from_stage = next((f.split("=", 1)[1] for f in flags if f.startswith("--from=")), None)
        if from_stage:
            assert from_stage in stages, f"{dockerfile.name}: COPY --from={from_stage} names no stage"
            continue
        for src in sources:
            assert (context / src).exists(), f"{dockerfile.name}: COPY source {src} missing in {context}"


def test_dockerignore_keeps_what_mockrestd_dockerfile_copies():
    ignore = (DOCKER / "mockrestd.Dockerfile.dockerignore").read_text().split()
    copied = [w for ins, args in _instructions(DOCKER / "mockrestd.Dockerfile") if ins == "COPY"
              for w in args.split()[:-1]]
    for src in copied:
        assert f"!{src.rstrip('/')}" in [i.rstrip("/") for i in ignore], f"{src} is excluded by the .dockerignore"


def test_mounted_files_exist_or_are_generated(services):
    gitignore = (COMPOSE / ".gitignore").read_text().split()
    for name, svc in services.items():
        for vol in svc.get("volumes", []):
            source = _expand(vol["source"] if isinstance(vol, dict) else str(vol).split(":")[0])
            if not source.startswith((".", "/")):
                continue  # a named volume
            if source.rstrip("/").endswith(".keys"):
                assert ".keys/" in gitignore, "generated keys must be git-ignored"
                continue
            assert (COMPOSE / source).exists(), f"{name}: bind mount source {source} missing"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, svc in services.items():
        for vol in svc.get("volumes", []):
            source = vol["source"] if isinstance(vol, dict) else str(vol).split(":")[0]
            if not source.startswith((".", "/", "$")):
                assert source in declared, f"{name}: volume {source} not declared"


def test_host_ports_are_loopback_and_do_not_collide(services):
    seen = {}
    for name, svc in services.items():
        for hp in _host_ports(svc):
            assert hp.startswith("127.0.0.1:"), f"{name}: {hp} is published beyond loopback"
            assert hp not in seen, f"{name} and {seen.get(hp)} both publish {hp}"
            seen[hp] = name
    assert seen == {"127.0.0.1:7850": "slurmrestd", "127.0.0.1:7851": "mockrestd"}
    # and none collides with the native targets (REST 7820/7830/7840 and the daemons around them)
    native = {p + d for p in (7820, 7830, 7840) for d in (-3, -2, -1, 0, 1)}
    assert not {int(hp.split(":")[1]) for hp in seen} & native


def test_depends_on_names_exist_and_have_no_cycle(services):
    graph = {}
    for name, svc in services.items():
        deps = svc.get("depends_on", [])
        deps = list(deps) if isinstance(deps, (list, dict)) else []
        for d in deps:
            assert d in services, f"{name} depends on unknown service {d}"
            cond = svc["depends_on"][d].get("condition") if isinstance(svc["depends_on"], dict) else None
            if cond == "service_healthy":
                assert "healthcheck" in services[d], f"{name} waits for {d} to be healthy: {d} needs a healthcheck"
        graph[name] = deps
    state = {}

    def visit(n, path):
        assert state.get(n) != "active", f"depends_on cycle: {' -> '.join(path + [n])}"
        if state.get(n) == "done":
            return
        state[n] = "active"
        for d in graph[n]:
            visit(d, path + [n])
        state[n] = "done"

    for n in graph:
        visit(n, [])


def test_entrypoint_handles_every_slurm_role(services):
    text = (DOCKER / "entrypoint.sh").read_text()
    roles = set(re.findall(r"^  ([a-z]+)\)$", text, re.M))
    for name in SLURM_SERVICES:
        command = services[name].get("command")
        assert command and command[0] in roles, f"{name}: command {command} is no role of entrypoint.sh"


def test_slurm_config_host_names_match_the_compose_network(services):
    """slurm.conf and slurmdbd.conf name hosts that the compose network resolves."""
    resolvable = set(services)
    for svc in services.values():
        resolvable.add(svc.get("hostname", ""))
        for net in (svc.get("networks") or {}).values():
            resolvable.update((net or {}).get("aliases", []))
    conf = dict(line.split("=", 1) for line in (DOCKER / "slurm.conf").read_text().splitlines()
                if "=" in line and not line.startswith("#") and not line.startswith(("NodeName", "PartitionName")))
    assert conf["SlurmctldHost"] in resolvable
    assert services["slurmctld"]["hostname"] == conf["SlurmctldHost"]
    assert conf["AccountingStorageHost"] in resolvable
    node = re.search(r"^NodeName=(\S+) NodeAddr=(\S+) NodeHostname=(\S+)", (DOCKER / "slurm.conf").read_text(), re.M)
    assert node and node.group(2) in resolvable and node.group(3) == services["slurmd"]["hostname"]
    assert services["slurmd"]["environment"]["SLURM_NODENAME"] == node.group(1)
    dbd = dict(line.split("=", 1) for line in (DOCKER / "slurmdbd.conf").read_text().splitlines()
               if "=" in line and not line.startswith("#"))
    assert dbd["StorageHost"] in resolvable and dbd["DbdHost"] == services["slurmdbd"]["hostname"]
    assert dbd["StoragePass"] == "@DB_PASSWORD@", "no committed password: the entrypoint fills it in"


def test_no_secret_is_committed():
    for path in list(DOCKER.iterdir()) + [COMPOSE_FILE]:
        text = path.read_text(errors="replace")
        assert not re.search(r"(?i)(password|pass)[ \t]*[:=][ \t]*['\"]?[A-Za-z0-9]{8,}", text.replace("@DB_PASSWORD@", "")), path


def test_compose_spec_schema(compose):
    """Validate against the compose-spec JSON schema that check-jsonschema vendors (if installed)."""
    jsonschema = pytest.importorskip("jsonschema")
    try:
        from importlib.resources import files
        schema_file = files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
        schema = json.loads(schema_file.read_text())
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.skip("check-jsonschema (which ships the compose-spec schema) is not installed")
    jsonschema.validate(compose, schema)
