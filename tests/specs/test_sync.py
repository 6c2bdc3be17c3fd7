"""sync(): from a folder, from HTTP (folder, file, live slurmrestd), checksums against the manifest."""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib
import json
import threading

import httpx
import pytest

from mockrestd.specs import default_specs_dir, load_specs, read_manifest, sync

from ._shared import LIVE_2205, LIVE_2605, REPO, copy_specs, need_shared

sync_mod = importlib.import_module("mockrestd.specs.sync")   # the module (the package exports the function)
MANIFEST = REPO / "specs" / "manifest.json"


def test_manifest_matches_the_shared_documents():
    manifest = json.loads(MANIFEST.read_text())
    assert MANIFEST.read_text() == (REPO / "mockrestd" / "specs" / "manifest.json").read_text(), \
        "the packaged copy of specs/manifest.json must be identical"
    shared = need_shared()
    names = {e["file"] for e in manifest["files"]}
    assert names == {p.name for p in shared.glob("*.json")}
    for e in manifest["files"]:
        data = (shared / e["file"]).read_bytes()
        assert e["sha256"] == hashlib.sha256(data).hexdigest() and e["bytes"] == len(data), e["file"]
        assert e["kind"] in ("version", "openapi-v3") and e["source"] and e["release"]
    by_name = {e["file"]: e for e in manifest["files"]}
    assert by_name["slurm-v0.0.44.json"]["versions"] == ["v0.0.44"]
    assert by_name["slurm-v0.0.44.json"]["release"] == "25.11.7"
    assert by_name[LIVE_2205]["release"] == "22.05.8"
    assert by_name[LIVE_2605]["versions"] == ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"]


def test_manifest_versions_are_what_the_loader_finds(tmp_path):
    for e in read_manifest(MANIFEST)["files"]:
        s = load_specs(copy_specs(tmp_path / e["file"], e["file"]))
        assert list(s.versions) == e["versions"], e["file"]
        assert s.releases() == {e["release"]}, e["file"]


def test_sync_from_folder_is_verified_and_idempotent(tmp_path):
    dest = tmp_path / "dest"
    report = sync(need_shared(), dest, MANIFEST)
    assert report.ok and not report.refused and not report.unknown
    assert sorted(report.written) == sorted(e["file"] for e in read_manifest(MANIFEST)["files"])
    again = sync(need_shared(), dest, MANIFEST)
    assert again.ok and not again.written and sorted(again.unchanged) == sorted(report.written)
    assert "unchanged" in str(again)
    assert list(load_specs(dest).versions) == list(load_specs(need_shared()).versions)


def test_tampered_known_file_is_refused(tmp_path):
    src = copy_specs(tmp_path / "src", "slurm-v0.0.43.json")
    bad = tmp_path / "src" / "slurm-v0.0.44.json"
    data = bytearray((need_shared() / "slurm-v0.0.44.json").read_bytes())
    data[-3] = ord(" ")
    bad.write_bytes(bytes(data))
    report = sync(src, tmp_path / "dest", MANIFEST)
    assert not report.ok
    assert report.written == ["slurm-v0.0.43.json"]
    assert len(report.refused) == 1 and report.refused[0].startswith("slurm-v0.0.44.json: sha256")
    assert not (tmp_path / "dest" / "slurm-v0.0.44.json").exists()
    assert "REFUSED" in str(report)


def test_unknown_file_from_a_folder_is_written_and_reported(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "slurm-99.99.1-openapi-v3.json").write_text('{"openapi": "3.0.3", "paths": {}}')
    (tmp_path / "src" / "unrelated.json").write_text("{}")
    report = sync(tmp_path / "src", tmp_path / "dest", MANIFEST)
    assert report.unknown == ["slurm-99.99.1-openapi-v3.json"]
    assert not (tmp_path / "dest" / "unrelated.json").exists()


def test_missing_source_is_an_error_not_an_exception(tmp_path):
    report = sync(tmp_path / "nope", tmp_path / "dest", MANIFEST)
    assert not report.ok and report.errors


def _live_2605_variant() -> bytes:
    """A 26.05 document the manifest does not know (another build): different bytes, same shape."""
    doc = json.loads((need_shared() / LIVE_2605).read_bytes())
    doc["info"]["x-slurm"]["release"] = "26.05.9"
    doc["info"]["version"] = "Slurm-26.05.9"
    return json.dumps(doc).encode()


def _live_daemon(body: bytes, token="secret", want_user=False):
    calls = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.headers.get("X-SLURM-USER-TOKEN") != token or (want_user and
                                                                  not request.headers.get("X-SLURM-USER-NAME")):
            return httpx.Response(401, text="Authentication failure")
        if request.url.path == "/openapi/v3":
            return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
        return httpx.Response(404, text="Unable to find requested URL endpoint.")
    return httpx.Client(transport=httpx.MockTransport(handle)), calls


def test_live_daemon_unknown_document(tmp_path):
    client, calls = _live_daemon(_live_2605_variant())
    report = sync("http://slurmrestd:6820", tmp_path, MANIFEST, token="secret", client=client)
    assert report.ok, str(report)
    assert report.unknown == ["slurm-26.05.9-openapi-v3.json"]
    assert "not in manifest (live document)" in str(report)
    assert calls[0].url.path == "/openapi/v3" and calls[0].headers["X-SLURM-USER-TOKEN"] == "secret"
    s = load_specs(tmp_path)
    assert s.releases() == {"26.05.9"} and "v0.0.45" in s.versions
    again = sync("http://slurmrestd:6820", tmp_path, MANIFEST, token="secret", client=client)
    assert again.unchanged == ["slurm-26.05.9-openapi-v3.json"] and not again.unknown


def test_live_daemon_known_document_without_release_in_it(tmp_path):
    """22.05's /openapi/v3 says only "dbv0.0.36": the manifest knows it by checksum, so it gets its name."""
    client, _ = _live_daemon((need_shared() / LIVE_2205).read_bytes(), want_user=True)
    report = sync("http://slurmrestd:6820/", tmp_path, MANIFEST, token="secret", user="slurm", client=client)
    assert report.written == [LIVE_2205] and report.ok


def test_live_daemon_release_given_by_caller(tmp_path):
    doc = json.loads((need_shared() / LIVE_2205).read_bytes())
    doc["info"]["description"] = "another build"
    client, _ = _live_daemon(json.dumps(doc).encode())
    report = sync("http://h:6820", tmp_path, MANIFEST, token="secret", client=client)
    assert not report.ok and "release" in report.errors[0]
    report = sync("http://h:6820", tmp_path, MANIFEST, token="secret", release="22.05.9", client=client)
    assert report.unknown == ["slurm-22.05.9-openapi-v3.json"]


def test_live_daemon_other_build_of_a_known_release_is_refused(tmp_path):
    doc = json.loads((need_shared() / LIVE_2605).read_bytes())
    doc["info"]["description"] = "same release, other plugins"
    client, _ = _live_daemon(json.dumps(doc).encode())
    report = sync("http://h:6820", tmp_path, MANIFEST, token="secret", client=client)
    assert report.refused and report.refused[0].startswith(LIVE_2605)
    assert not (tmp_path / LIVE_2605).exists()


def test_live_daemon_without_token(tmp_path):
    client, _ = _live_daemon(b"{}")
    report = sync("http://h:6820", tmp_path, MANIFEST, client=client)
    assert not report.ok and "token" in report.errors[0]


def test_connection_error_is_reported(tmp_path):
    def boom(request):
        raise httpx.ConnectError("refused", request=request)
    client = httpx.Client(transport=httpx.MockTransport(boom))
    report = sync("http://h:1", tmp_path, MANIFEST, client=client)
    assert not report.ok and "ConnectError" in report.errors[0]


@pytest.fixture
def http_folder(tmp_path):
    """A tiny real HTTP server serving a folder with two of the documents (and no /openapi/v3)."""
    root = copy_specs(tmp_path / "served", "slurm-v0.0.44.json", LIVE_2205)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_sync_from_http_folder(http_folder, tmp_path):
    report = sync(http_folder + "/", tmp_path / "dest", MANIFEST)
    assert sorted(report.written) == sorted(["slurm-v0.0.44.json", LIVE_2205]) and report.ok


def test_sync_from_http_file(http_folder, tmp_path):
    report = sync(http_folder + "/slurm-v0.0.44.json", tmp_path / "dest", MANIFEST)
    assert report.written == ["slurm-v0.0.44.json"]
    missing = sync(http_folder + "/slurm-v0.0.43.json", tmp_path / "dest", MANIFEST)
    assert not missing.ok and "404" in missing.errors[0]


def test_default_specs_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MOCKRESTD_SPECS", str(tmp_path / "env"))
    assert default_specs_dir() == tmp_path / "env"
    monkeypatch.delenv("MOCKRESTD_SPECS")
    repo = tmp_path / "checkout" / "main"
    (repo / "specs").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("")
    (repo / "specs" / "manifest.json").write_text("{}")
    monkeypatch.setattr(sync_mod, "REPO", repo)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # only a manifest in specs/, no shared folder: the state dir
    assert default_specs_dir() == tmp_path / "state" / "mockrestd" / "specs"
    assert default_specs_dir(for_writing=True) == repo / "specs"
    (tmp_path / "checkout" / "shared" / "specs").mkdir(parents=True)
    assert default_specs_dir() == tmp_path / "checkout" / "shared" / "specs"
    (repo / "specs" / "slurm-v0.0.44.json").write_text("{}")
    assert default_specs_dir() == repo / "specs"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sync_mod, "REPO", tmp_path / "site-packages")    # an installed package: no checkout
    assert default_specs_dir() == tmp_path / "home" / ".local" / "state" / "mockrestd" / "specs"
