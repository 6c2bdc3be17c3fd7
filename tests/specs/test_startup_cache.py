"""What `serve` keeps between starts (mockrestd/specs/cache.py): facts and normalised documents by sha256,
never handed out for a document (or code) they were not computed from."""

from __future__ import annotations

import importlib
import json

import pytest

from mockrestd.specs import load_specs, scan_specs

from ._shared import LIVE_2605, copy_specs

loader = importlib.import_module("mockrestd.specs.loader")
cache = importlib.import_module("mockrestd.specs.cache")


class Builds:
    """Counts the documents normalised and cut (those no cache had), by release."""

    def __init__(self, monkeypatch):
        self.seen = []
        real = loader._build

        def build(raw):
            self.seen.append(loader._release_of(raw))
            return real(raw)
        monkeypatch.setattr(loader, "_build", build)


@pytest.fixture
def state(tmp_path, monkeypatch):
    """An empty state dir, and a process that has loaded nothing yet (call `new_process()` to start again)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("MOCKRESTD_CACHE", raising=False)

    def new_process():
        monkeypatch.setattr(loader, "_FACTS", {})
        monkeypatch.setattr(loader, "_CACHE", {})
    new_process()
    builds = Builds(monkeypatch)
    return tmp_path / "state" / "mockrestd" / "cache", new_process, builds


def _plain(spec_set) -> dict:
    return {v: json.dumps(vs.document) for v, vs in spec_set.versions.items()}


def test_a_new_process_loads_the_stored_documents_instead_of_normalising(state, tmp_path):
    cache_dir, new_process, builds = state
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.43.json", "slurm-v0.0.44.json", LIVE_2605)
    first = load_specs(folder, only={"v0.0.44", "v0.0.45"})
    assert sorted(builds.seen) == ["25.11.7", "26.05.5"]
    stored = sorted(p.name.split(".", 1)[1] for p in (cache_dir / "specs").glob("*/*.json"))
    assert stored == ["documents.json"] * 2 + ["facts.json"] * 3
    new_process()
    index = scan_specs(folder)
    assert index._raw == {}                             # facts from the store: no document parsed
    second = load_specs(folder, only={"v0.0.44", "v0.0.45"}, index=index)
    assert sorted(builds.seen) == ["25.11.7", "26.05.5"]    # nothing normalised again
    assert _plain(second) == _plain(first)
    assert second.notes == first.notes and second.skipped == first.skipped
    for v, vs in second.versions.items():
        assert list(vs.operations) == list(first.versions[v].operations)
        op = vs.operations["slurm_v0044_get_ping"] if v == "v0.0.44" else next(iter(vs.operations.values()))
        assert op.op is vs.document["paths"][op.path][op.method]


def test_a_modified_document_is_normalised_again(state, tmp_path):
    cache_dir, new_process, builds = state
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    load_specs(folder, only={"v0.0.44"})
    doc = json.loads((folder / "slurm-v0.0.44.json").read_bytes())
    doc["paths"]["/slurm/v0.0.44/ping/"]["get"]["summary"] = "changed"
    doc["paths"]["/slurm/v0.0.44/extra/"] = {"get": {"operationId": "slurm_v0044_get_extra", "responses": {
        "200": {"description": "x", "content": {"application/json": {"schema": {
            "type": "object", "required": [], "properties": {"n": {"type": "integer", "format": "int32"}}}}}}}}}
    (folder / "slurm-v0.0.44.json").write_text(json.dumps(doc))
    new_process()
    s = load_specs(folder, only={"v0.0.44"})
    assert builds.seen == ["25.11.7", "25.11.7"]
    vs = s.versions["v0.0.44"]
    assert vs.document["paths"]["/slurm/v0.0.44/ping/"]["get"]["summary"] == "changed"
    extra = vs.operations["slurm_v0044_get_extra"].op["responses"]["200"]["content"]["application/json"]["schema"]
    assert extra == {"type": "object", "properties": {"n": {"type": "integer"}}}     # normalised, too


def test_other_code_does_not_use_the_stored_results(state, tmp_path, monkeypatch):
    cache_dir, new_process, builds = state
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    load_specs(folder, only={"v0.0.44"})
    current = cache.code_fingerprint()
    new_process()
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "0123456789abcdef")   # e.g. a rule was edited
    load_specs(folder, only={"v0.0.44"})
    assert len(builds.seen) == 2
    assert {p.name for p in (cache_dir / "specs").iterdir()} == {current, "0123456789abcdef"}


def test_the_fingerprint_follows_the_loader_and_normalise_sources():
    a = cache.code_fingerprint.__wrapped__()
    assert a == cache.code_fingerprint() and len(a) == 16
    h = importlib.import_module("hashlib").sha256(f"store {cache.STORE_FORMAT}\n".encode())
    for name in ("loader", "normalise"):
        h.update(open(importlib.import_module(f"mockrestd.specs.{name}").__file__, "rb").read())
    assert h.hexdigest()[:16] == a


@pytest.mark.parametrize("damage", ["truncate", "other-sha", "not-a-document"])
def test_a_damaged_store_entry_is_a_miss(state, tmp_path, damage):
    cache_dir, new_process, builds = state
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    good = _plain(load_specs(folder, only={"v0.0.44"}))
    (docs,) = (cache_dir / "specs").glob("*/*.documents.json")
    (facts,) = (cache_dir / "specs").glob("*/*.facts.json")
    if damage == "truncate":
        docs.write_bytes(docs.read_bytes()[:1000])
        facts.write_bytes(b"{")
    elif damage == "other-sha":
        for p in (docs, facts):
            value = json.loads(p.read_bytes())
            value["sha256"] = "0" * 64
            p.write_text(json.dumps(value))
    else:
        docs.write_text(json.dumps({"sha256": docs.name.split(".")[0], "versions": {"v0.0.44": {"paths": []}}}))
        value = json.loads(facts.read_bytes())
        value["versions"] = "v0.0.44"
        facts.write_text(json.dumps(value))
    new_process()
    s = load_specs(folder, only={"v0.0.44"})
    assert len(builds.seen) == 2 and not s.skipped
    assert _plain(s) == good


def test_cache_off_writes_nothing(state, tmp_path, monkeypatch):
    cache_dir, new_process, builds = state
    monkeypatch.setenv("MOCKRESTD_CACHE", "off")
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    load_specs(folder)
    new_process()
    load_specs(folder)
    assert len(builds.seen) == 2
    assert not cache_dir.exists()


def test_an_unwritable_cache_is_ignored(state, tmp_path):
    cache_dir, new_process, builds = state
    cache_dir.parent.mkdir(parents=True)
    cache_dir.write_text("a file where the folder should be")
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    s = load_specs(folder)
    assert list(s.versions) == ["v0.0.44"] and not s.skipped


def test_old_code_folders_are_pruned(state, tmp_path, monkeypatch):
    cache_dir, new_process, builds = state
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    for n in range(5):
        new_process()
        monkeypatch.setattr(cache, "code_fingerprint", lambda n=n: f"{n:016x}")
        load_specs(folder)
    assert len(list((cache_dir / "specs").iterdir())) == cache.SpecStore.KEEP_FOLDERS
    assert (cache_dir / "specs" / f"{4:016x}").is_dir()


def test_the_store_never_writes_beside_the_specs(state, tmp_path):
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    before = sorted(p.name for p in folder.iterdir())
    load_specs(folder)
    assert sorted(p.name for p in folder.iterdir()) == before
