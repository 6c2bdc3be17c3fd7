"""`mockrestd specs sync` with no --from: every document the manifest pins to an upstream commit is fetched
from there and verified before anything is written. A local HTTP server (127.0.0.1) stands in for upstream,
serving copies of ../shared/specs laid out as <owner>/<repo>/<commit>/<path>; the network is never used."""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mockrestd.specs import read_manifest, sync
from mockrestd.specs.sync import DEFAULT_UPSTREAM, UPSTREAM_ENV, upstream_url

from ._shared import REPO, need_shared

MANIFEST = REPO / "specs" / "manifest.json"
PINNED = [e for e in read_manifest(MANIFEST)["files"] if e.get("upstream")]
LIVE = [e["file"] for e in read_manifest(MANIFEST)["files"] if not e.get("upstream")]


class _Upstream(http.server.SimpleHTTPRequestHandler):
    seen: list

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append(self.path)
        super().do_GET()


def _layout(root: Path, tamper: str | None = None, leave_out: str | None = None) -> Path:
    """Copies of the shared documents where upstream keeps them (in a tmp dir, never in the project)."""
    for e in PINNED:
        if e["file"] == leave_out:
            continue
        up = e["upstream"]
        target = root / up["repo"] / up["commit"] / up["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (need_shared() / e["file"]).read_bytes()
        if e["file"] == tamper:
            data = data.replace(b'"openapi"', b'"openapi" ', 1)
        target.write_bytes(data)
    return root


@pytest.fixture
def upstream(tmp_path):
    """Start a stand-in upstream: `upstream()` -> (base URL, list of paths requested)."""
    servers = []

    def start(**layout):
        root = _layout(tmp_path / f"upstream{len(servers)}", **layout)
        seen = []
        handler = functools.partial(type("H", (_Upstream,), {"seen": seen}), directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}", seen

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def test_manifest_pins_every_per_version_document_to_a_commit():
    assert sorted(e["file"] for e in PINNED) == [f"slurm-v0.0.4{n}.json" for n in range(1, 6)]
    for e in PINNED:
        up = e["upstream"]
        assert up["repo"] == "SlinkyProject/slurm-client" and re.fullmatch(r"[0-9a-f]{40}", up["commit"])
        assert f"/blob/{up['commit']}/{up['path']}" in e["source"], "upstream says what source says"
        assert upstream_url(e) == f"{DEFAULT_UPSTREAM}/{up['repo']}/{up['commit']}/{up['path']}"


def test_sync_from_upstream_writes_verified_documents(upstream, tmp_path):
    base, seen = upstream()
    dest = tmp_path / "dest"
    report = sync(None, dest, MANIFEST, upstream=base)
    assert report.ok, str(report)
    assert sorted(report.written) == sorted(e["file"] for e in PINNED)
    assert sorted(s.split(":")[0] for s in report.skipped) == sorted(LIVE), "live captures have no upstream"
    for e in PINNED:
        assert (dest / e["file"]).read_bytes() == (need_shared() / e["file"]).read_bytes()
    assert sorted(seen) == sorted(f"/{e['upstream']['repo']}/{e['upstream']['commit']}/{e['upstream']['path']}"
                                  for e in PINNED), "each fetched once, at its pinned commit"
    again = sync(None, dest, MANIFEST, upstream=base)
    assert again.ok and not again.written and sorted(again.unchanged) == sorted(report.written)


def test_checksum_mismatch_is_refused_and_nothing_is_written(upstream, tmp_path):
    base, _seen = upstream(tamper="slurm-v0.0.44.json")
    dest = tmp_path / "dest"
    report = sync(None, dest, MANIFEST, upstream=base)
    assert not report.ok
    assert len(report.refused) == 1 and report.refused[0].startswith("slurm-v0.0.44.json: sha256 ")
    assert "nothing written" in report.errors[-1]
    assert not dest.exists() or list(dest.iterdir()) == [], "not even the documents that verified"


def test_missing_upstream_file_writes_nothing(upstream, tmp_path):
    base, _seen = upstream(leave_out="slurm-v0.0.42.json")
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    report = sync(None, dest, MANIFEST, upstream=base)
    assert not report.ok and any(e.startswith("slurm-v0.0.42.json: ") and e.endswith(": HTTP 404") for e in report.errors)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_unreachable_upstream_is_reported_not_raised(tmp_path):
    report = sync(None, tmp_path / "dest", MANIFEST, upstream="http://127.0.0.1:9")
    assert not report.ok and "ConnectError" in report.errors[0]


def test_unpinned_upstream_is_not_followed(tmp_path):
    entry = dict(PINNED[0], upstream=dict(PINNED[0]["upstream"], commit="main"))
    assert upstream_url(entry) is None, "a branch moves: only a commit pins a document"


def _cli(*args, env_extra, tmp_path):
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"), **env_extra)
    env.pop("MOCKRESTD_SPECS", None)
    return subprocess.run([sys.executable, "-m", "mockrestd", *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=300)


def test_cli_sync_without_from_uses_the_env_base_url_and_serve_can_use_it(upstream, tmp_path):
    base, seen = upstream()
    dest = tmp_path / "dest"
    r = _cli("specs", "sync", "--to", str(dest), env_extra={UPSTREAM_ENV: base}, tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("  written    ") == len(PINNED) and "ready to serve" in r.stdout
    assert len(seen) == len(PINNED)


def test_cli_sync_refuses_a_tampered_upstream(upstream, tmp_path):
    base, _seen = upstream(tamper="slurm-v0.0.41.json")
    dest = tmp_path / "dest"
    r = _cli("specs", "sync", "--to", str(dest), env_extra={UPSTREAM_ENV: base}, tmp_path=tmp_path)
    assert r.returncode == 1 and "REFUSED    slurm-v0.0.41.json" in r.stdout, r.stdout + r.stderr
    assert not dest.exists() or list(dest.iterdir()) == []


def test_serve_without_documents_says_which_command_gets_them(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = _cli("serve", "127.0.0.1:0", "--specs", str(empty), env_extra={}, tmp_path=tmp_path)
    assert r.returncode == 1
    lines = [line for line in r.stderr.splitlines() if "Warning" not in line and "TestClient" not in line]
    assert lines == [f"mockrestd serve: no spec documents in {empty}; `mockrestd specs sync --to {empty}` "
                     f"fetches them"], r.stderr
