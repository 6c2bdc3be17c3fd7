"""compose/native: the scripts' syntax (bash -n, shellcheck), their usage errors, and real_slurm.py's helpers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.compose.conftest import COMPOSE, NATIVE

SCRIPTS = sorted(COMPOSE.rglob("*.sh"))


def test_scripts_found():
    names = {p.relative_to(COMPOSE).as_posix() for p in SCRIPTS}
    assert {"native/start.sh", "native/stop.sh", "native/lib.sh", "docker/entrypoint.sh"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(COMPOSE).as_posix())
def test_bash_syntax(script):
    r = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(COMPOSE).as_posix())
def test_shellcheck(script):
    if not shutil.which("shellcheck"):
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    r = subprocess.run(["shellcheck", "-x", script.name], cwd=script.parent, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("script", ["start.sh", "stop.sh"])
def test_executable_strict_and_usage(script):
    path = NATIVE / script
    assert os.access(path, os.X_OK)
    assert "set -euo pipefail" in path.read_text()
    for argv in ([], ["nosuch"], ["forky", "--nosuch"]):
        r = subprocess.run(["bash", str(path), *argv], capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and "usage:" in r.stderr, (argv, r.returncode, r.stderr)


def test_ports_are_distinct_and_documented(real_slurm):
    lib = (NATIVE / "lib.sh").read_text()
    ports = {t: int(p) for t, p in re.findall(r"^\s+(forky|trixie|host)\)\s.*REST_PORT=(\d+)", lib, re.M)}
    assert ports == real_slurm.PORTS
    every = [p + d for p in ports.values() for d in (-3, -2, -1, 0, 1)]   # ctld, slurmd, dbd, REST, MariaDB
    assert len(set(every)) == len(every)
    assert 6820 not in every, "6820 is mockrestd's default port"
    readme = (COMPOSE / "README.md").read_text()
    for p in ports.values():
        assert str(p) in readme


def test_parse_env_reads_start_output(real_slurm):
    text = ("# comment\nSLURMRESTD_URL=http://127.0.0.1:7820\nSLURM_JWT=a.b.c\n"
            "SLURM_API_VERSIONS='v0.0.42 v0.0.43'\nexport SLURM_PLUGINS=openapi/slurmctld\nnoise line\n")
    env = real_slurm.parse_env(text)
    assert env == {"SLURMRESTD_URL": "http://127.0.0.1:7820", "SLURM_JWT": "a.b.c",
                   "SLURM_API_VERSIONS": "v0.0.42 v0.0.43", "SLURM_PLUGINS": "openapi/slurmctld"}


def test_mint_token_like_scontrol(real_slurm, tmp_path, monkeypatch):
    jwt = pytest.importorskip("jwt")
    key = tmp_path / "jwt_hs256.key"
    key.write_bytes(os.urandom(32))
    token = real_slurm.mint_token(key, "mockci", 600)
    claims = jwt.decode(token, key.read_bytes(), algorithms=["HS256"])
    assert claims["sun"] == "mockci" and claims["exp"] - claims["iat"] == 600
    # the stdlib encoder (used without pyjwt) makes tokens pyjwt accepts too
    import sys
    monkeypatch.setitem(sys.modules, "jwt", None)
    token2 = real_slurm.mint_token(key, "root", 60)
    monkeypatch.undo()
    assert jwt.decode(token2, key.read_bytes(), algorithms=["HS256"])["sun"] == "root"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token2, b"x" * 32, algorithms=["HS256"])


def test_unknown_target_is_refused(real_slurm):
    with pytest.raises(ValueError):
        real_slurm.start("bookworm")
    with pytest.raises(ValueError):
        real_slurm.stop("bookworm")
