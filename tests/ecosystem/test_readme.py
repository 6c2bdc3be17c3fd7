"""Every command block of README.md, run as written against a mock on a free port.

The only change made to a block: the port. `mockrestd serve` takes its address from SLURMRESTD_LISTEN when none
is given (as slurmrestd does), so the blocks run unchanged with that set, and `127.0.0.1:6820` in URLs becomes
the free port. The execute-mode block writes `slurm-1.out` in its working directory: `/tmp` there becomes a
folder of this test (other runs on the machine write /tmp/slurm-1.out too). After a line that starts a server
in the background the runner waits until the port accepts, as a person pressing return would.

Each block must be claimed by exactly one entry of COVERED: a new block fails `test_every_block_is_exercised`
until a test runs it. The set-up block (`pip install -e .`) is run by the fresh-machine test, in a venv made
from this checkout, which then follows the README to a passing pytest test of a client of the user's own."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(README.read_text())]


# block name -> how to recognise it (first line); each test below takes its block by name
COVERED = {
    "set-up": lambda lang, text: text.startswith("pip install -e . && mockrestd specs sync"),
    "test-script": lambda lang, text: text.strip() == "bash scripts/test.sh",
    "tour": lambda lang, text: text.startswith("mockrestd serve -v &"),
    "python-client": lambda lang, text: lang == "python" and text.startswith("import os, slurmrestapi"),
    "pytest-copy-paste": lambda lang, text: lang == "python" and text.startswith("# test_slurm_client.py"),
    "execute": lambda lang, text: text.startswith("mockrestd serve --execute &"),
}


def block(name: str) -> str:
    found = [text for lang, text in blocks() if COVERED[name](lang, text)]
    assert len(found) == 1, f"README block {name!r}: {len(found)} found"
    return found[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


def with_port(text: str, port: int) -> str:
    return text.replace("127.0.0.1:6820", f"127.0.0.1:{port}")


def shell_script(text: str, port: int) -> str:
    """The block as one bash script: stop at the first failing command, wait after `... &`, stop the server."""
    lines = ["set -e", "trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT"]
    for line in with_port(text, port).splitlines():
        lines.append(line)
        if re.sub(r"\s+#.*$", "", line).rstrip().endswith("&"):
            lines.append(f"until (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 0.05; done")
    return "\n".join(lines) + "\n"


@pytest.fixture
def user_env(tmp_path):
    """A user's shell: the mock's key under a fresh XDG_STATE_HOME, a free port, a recording `xdg-open`."""
    port = free_port()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"    # no desktop here: fetch the page the user would see, and keep it
    opener.write_text(f'#!/bin/sh\ncurl -sS --fail "$1" > "{tmp_path}/opened.html" && echo "opened $1"\n')
    opener.chmod(0o755)
    env = dict(os.environ, SLURMRESTD_LISTEN=f"127.0.0.1:{port}", XDG_STATE_HOME=str(tmp_path / "state"),
               PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    env.pop("SLURM_JWT", None)
    return port, env


def run_shell(text, port, env, cwd, timeout=180) -> str:
    p = subprocess.run(["bash", "-c", shell_script(text, port)], env=env, cwd=cwd, capture_output=True,
                       text=True, timeout=timeout)
    assert p.returncode == 0, f"exit {p.returncode}\n--- stdout\n{p.stdout[-4000:]}\n--- stderr\n{p.stderr[-4000:]}"
    return p.stdout


def test_every_block_is_exercised():
    found = blocks()
    assert found, "no command blocks in README.md"
    unclaimed = [text.splitlines()[0] for lang, text in found
                 if sum(bool(match(lang, text)) for match in COVERED.values()) != 1]
    assert not unclaimed, f"README blocks no test here runs (add them to COVERED and a test): {unclaimed}"
    for name in COVERED:
        block(name)        # and every entry still finds its block


def test_tour(user_env, tmp_path):
    port, env = user_env
    out = run_shell(block("tour"), port, env, tmp_path)
    decode = json.JSONDecoder().raw_decode       # curl -s prints each answer without a newline after it
    out = out[re.search(r'^\{"', out, re.M).start():]     # after serve's start-up lines (same terminal)
    ping, end = decode(out)
    assert ping["pings"][0]["pinged"] == "UP", ping
    rest = out[end:].lstrip()
    submitted, end = decode(rest)
    assert submitted["job_id"] == 1 and submitted["step_id"] == "batch", submitted
    grepped = rest[end:]                          # `grep -A2 job_state` of GET job/1
    assert re.search(r'"job_state": ?\[\s*"(PENDING|RUNNING)"', grepped), grepped[:2000]
    assert f"opened http://127.0.0.1:{port}/ui" in out
    assert "<html" in (tmp_path / "opened.html").read_text().lower()


def _serve(env, cwd, *args):
    proc = subprocess.Popen(["mockrestd", "serve", *args], env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    return proc


def _stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0]


def _token(env, user="alice"):
    out = subprocess.run(["mockrestd", "token", f"username={user}", "lifespan=3600"], env=env,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out.startswith("SLURM_JWT="), out
    return out.split("=", 1)[1]


def test_python_client(user_env, tmp_path):
    """The slurmrestapi snippet, after `mockrestd serve &` and `export $(mockrestd token ...)` of the tour."""
    port, env = user_env
    server = _serve(env, tmp_path)
    try:
        wait_port(port)
        env = dict(env, SLURM_JWT=_token(env))
        p = subprocess.run([sys.executable, "-"], input=with_port(block("python-client"), port), env=env,
                           capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        log = _stop(server)
    assert p.returncode == 0, p.stdout + p.stderr + log[-2000:]
    assert p.stdout.strip() == "['PENDING']", p.stdout


def test_pytest_copy_paste(tmp_path):
    """Copied into a file and run with `pytest`, in a folder of its own (no ini, no conftest)."""
    text = block("pytest-copy-paste")
    name = text.splitlines()[0].lstrip("# ").strip()
    (tmp_path / name).write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    p = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and re.search(r"\b1 passed\b", p.stdout), p.stdout[-4000:] + p.stderr[-2000:]


def test_execute_mode(user_env, tmp_path):
    port, env = user_env
    work = tmp_path / "work"
    work.mkdir()
    text = block("execute").replace("/tmp", str(work))
    out = run_shell(text, port, env, tmp_path)
    assert json.JSONDecoder().raw_decode(out[re.search(r'^\{"', out, re.M).start():])[0]["job_id"] == 1, out
    assert re.search(r"load average", (work / "slurm-1.out").read_text()), (work / "slurm-1.out").read_text()
    assert "load average" in out


def test_test_script_block_is_what_ci_runs():
    """`bash scripts/test.sh` runs the whole suite (this test among them): CI's .ci/run runs it as written."""
    assert block("test-script").strip() in (ROOT / ".ci" / "run").read_text().splitlines()
    assert (ROOT / "scripts" / "test.sh").is_file()


# ---- the fresh machine: pip install, then only the README, to a passing test of the user's own client ----------

# the user's own client, tested as examples/pytest/ shows (the README links it)
OWN_CLIENT_TEST = ROOT / "examples" / "pytest" / "test_my_client.py"


def _checkout_copy(dst: Path) -> None:
    """The tracked files of this checkout as they are now (a clone would miss uncommitted work)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)


def test_fresh_machine(tmp_path):
    started = time.monotonic()
    clone = tmp_path / "mockrestd"
    _checkout_copy(clone)
    (tmp_path / "shared").symlink_to(SHARED)            # "../shared beside the clone"
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True, timeout=300)
    bin_dir = tmp_path / "venv" / "bin"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SLURM_JWT")
           and not k.startswith("PYTEST_")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", VIRTUAL_ENV=str(tmp_path / "venv"),
               SLURMRESTD_LISTEN=f"127.0.0.1:{port}", XDG_STATE_HOME=str(tmp_path / "state"),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    # 1. the set-up block as written; `mockrestd serve` at its end runs until stopped
    server = subprocess.Popen(["bash", "-c", block("set-up")], env=env, cwd=clone, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        wait_port(port, timeout=900)
        import httpx
        for _ in range(600):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/mockrestd/v1/status", timeout=30)
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert r.status_code == 200, r.text
    finally:
        log = _stop(server)
    installed = time.monotonic() - started
    assert f"127.0.0.1:{port}" in log and "export SLURM_JWT=" in log, log[-3000:]
    # 2. the pytest section: `pip install pytest`, the copy-paste test and one for the user's own client
    subprocess.run([str(bin_dir / "pip"), "install", "-q", "pytest"], env=env, check=True, timeout=600)
    project = tmp_path / "my-project"
    project.mkdir()
    paste = block("pytest-copy-paste")
    (project / paste.splitlines()[0].lstrip("# ").strip()).write_text(paste)
    (project / "test_my_client.py").write_text(OWN_CLIENT_TEST.read_text())
    # (its generated-client test needs slurmrestapi, which this fresh venv does not have)
    p = subprocess.run([str(bin_dir / "pytest"), "-p", "no:cacheprovider", "-k", "not generated_client"], env=env,
                       cwd=project, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    assert p.returncode == 0 and re.search(r"\b3 passed\b", p.stdout), p.stdout[-4000:] + p.stderr[-2000:]
    assert "mockrestd" in subprocess.run([str(bin_dir / "python"), "-c", "import mockrestd; print(mockrestd.__file__)"],
                                         env=env, capture_output=True, text=True, cwd=project).stdout
    report = ROOT / "reports" / "fresh-machine.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text(json.dumps({"pip_install_to_serving_s": round(installed, 1),
                                  "pip_install_to_passing_test_s": round(elapsed, 1), "goal_s": 300}) + "\n")
    print(f"\nfresh machine: pip install to serving {installed:.0f} s, to a passing pytest test "
          f"{elapsed:.0f} s ({elapsed / 60:.1f} min; goal under 5 min)")
