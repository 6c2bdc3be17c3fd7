"""What `serve` keeps between starts (mockrestd/specs/cache.py): facts and normalised documents by sha256,
never handed out for a document (or code) they were not computed from."""

from __future__ import annotations

import importlib
import json

import pytest

from mockrestd.specs import load_specs, scan_specs

from ._shared import LIVE_2605, copy_specs, need_shared

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
    assert extra == {"type": "object", "properties": {"n": {"type": "integer", "x-slurm-format": "int32"}}}  # normalised


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


@pytest.mark.parametrize("damage", ["truncate", "other-sha", "not-a-document", "other-versions"])
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
    elif damage == "other-versions":
        value = json.loads(docs.read_bytes())
        value["versions"] = {"v0.0.43": value["versions"]["v0.0.44"]}
        docs.write_text(json.dumps(value))
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


# ---- connexion's metaschema check: once per document ----------------------------------------------------

validation = importlib.import_module("mockrestd.specs.validation")


class Checks:
    """The documents connexion's metaschema check ran on (by their first path), from now on."""

    def __init__(self, monkeypatch):
        from connexion.spec import Specification
        self.seen = []
        original = Specification.__dict__["_validate_spec"].__func__     # (OpenAPISpecification inherits it)

        def spy(cls, spec):
            self.seen.append(next(iter(spec.get("paths", {})), ""))
            return original(cls, spec)
        monkeypatch.setattr(Specification, "_validate_spec", classmethod(spy))

    @property
    def slurm(self):
        return [p for p in self.seen if p.startswith(("/slurm/", "/slurmdb/"))]


@pytest.fixture
def served(state, monkeypatch, tmp_path):
    """(make a site from a folder as `serve` does, the checks seen, new_process, the record's path)."""
    from mockrestd.http.app import build_site, create_app
    cache_dir, new_process, builds = state

    def fresh():
        new_process()
        monkeypatch.setattr(validation, "_PASSED", set())
    fresh()
    key = tmp_path / "jwt.key"
    key.write_bytes(b"k" * 32)

    def site_and_app(folder, **kw):
        site = build_site(specs_dir=folder, jwt_key=key, **kw)
        return site, create_app(site)
    return site_and_app, Checks(monkeypatch), fresh, cache_dir / validation.RECORD_NAME, builds


def _ping(app, key_bytes=b"k" * 32):
    from starlette.testclient import TestClient

    from mockrestd.auth import mint_token
    with TestClient(app, raise_server_exceptions=False) as client:
        return client.get("/slurm/v0.0.44/ping/", headers={"X-SLURM-USER-TOKEN": mint_token(key_bytes, "root", 60)})


def test_the_served_document_is_checked_once_then_known_by_its_digest(served, tmp_path):
    make, checks, fresh, record, builds = served
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    site, app = make(folder)
    assert len(checks.slurm) == 1 and len(checks.seen) == 2       # (and the control API's own document)
    entries = json.loads(record.read_bytes())
    assert entries["validator"] == validation.validator_id()
    from mockrestd.http.app import _connexion_document
    digest = validation.document_digest(_connexion_document(site.specs))
    assert list(entries["documents"]) == [digest] and "v0.0.44" in entries["documents"][digest]["what"]
    fresh()                                                  # a new `serve`
    _site, app = make(folder)
    assert len(checks.slurm) == 1                            # not checked again
    r = _ping(app)                                           # and connexion routes it as before
    assert r.status_code == 200 and r.json()["pings"][0]["pinged"] == "UP"


def test_a_modified_document_is_checked_again(served, tmp_path):
    make, checks, fresh, record, builds = served
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    make(folder)
    doc = json.loads((folder / "slurm-v0.0.44.json").read_bytes())
    doc["paths"]["/slurm/v0.0.44/ping/"]["get"]["summary"] = "another build"
    (folder / "slurm-v0.0.44.json").write_text(json.dumps(doc))
    fresh()
    make(folder)
    assert len(checks.slurm) == 2
    assert len(json.loads(record.read_bytes())["documents"]) == 2


def _invalid(folder):
    """v0.0.44 with a response that has no `description` (required by OpenAPI; normalising does not add it)."""
    doc = json.loads((need_shared() / "slurm-v0.0.44.json").read_bytes())
    del doc["paths"]["/slurm/v0.0.44/ping/"]["get"]["responses"]["200"]["description"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "slurm-v0.0.44.json").write_text(json.dumps(doc))
    return folder


def test_an_invalid_document_is_refused_every_time_with_a_clear_message(served, tmp_path):
    make, checks, fresh, record, builds = served
    folder = _invalid(tmp_path / "bad")
    for attempt in (1, 2):
        fresh()
        with pytest.raises(validation.InvalidSpecs) as err:
            make(folder)
        assert len(checks.slurm) == attempt
    text = str(err.value)
    assert text.startswith("the document of v0.0.44 (from slurm-v0.0.44.json) is not valid OpenAPI 3.0, "
                           "connexion refuses it:")
    assert "['paths']['/slurm/v0.0.44/ping/']['get']['responses']['200']" in text and len(text) < 600
    assert not record.exists()                               # never recorded as good


def test_a_record_made_by_another_validator_is_not_trusted(served, tmp_path):
    make, checks, fresh, record, builds = served
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    make(folder)
    entries = json.loads(record.read_bytes())
    entries["validator"] = "connexion 9.9.9; jsonschema 9.9.9"
    record.write_text(json.dumps(entries))
    fresh()
    make(folder)
    assert len(checks.slurm) == 2
    assert json.loads(record.read_bytes())["validator"] == validation.validator_id()


def test_a_damaged_record_means_checking_again(served, tmp_path):
    make, checks, fresh, record, builds = served
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    make(folder)
    record.write_text("{not json")
    fresh()
    make(folder)
    assert len(checks.slurm) == 2


def test_without_the_disk_cache_a_document_is_checked_once_per_process(served, tmp_path, monkeypatch):
    make, checks, fresh, record, builds = served
    monkeypatch.setenv("MOCKRESTD_CACHE", "off")
    folder = copy_specs(tmp_path / "specs", "slurm-v0.0.44.json")
    make(folder)
    make(folder)
    assert len(checks.slurm) == 1 and not record.exists()
    fresh()
    make(folder)
    assert len(checks.slurm) == 2


def test_document_digest_is_of_the_content():
    a = {"openapi": "3.0.3", "paths": {"/a": {}, "/b": {}}}
    b = {"paths": {"/a": {}, "/b": {}}, "openapi": "3.0.3"}
    assert validation.document_digest(a) == validation.document_digest(b)
    assert validation.document_digest(a) != validation.document_digest({**a, "paths": {"/a": {}}})


def test_specs_sync_prepares_the_first_serve(served, tmp_path, capsys):
    from mockrestd import cli
    make, checks, fresh, record, builds = served
    src = copy_specs(tmp_path / "src", "slurm-v0.0.43.json", "slurm-v0.0.44.json")
    dest = tmp_path / "dest"
    assert cli.main(["specs", "sync", "--from", str(src), "--to", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "serve: Slurm 25.11.7 profile, v0.0.43 v0.0.44: valid OpenAPI (checked;" in out
    assert len(checks.slurm) == 1 and sorted(builds.seen) == ["25.05.8", "25.11.7"]
    fresh()                                                  # the first `serve` after the sync
    site, app = make(dest)
    assert len(checks.slurm) == 1 and len(builds.seen) == 2   # nothing checked or normalised again
    assert list(site.specs.versions) == ["v0.0.43", "v0.0.44"] and _ping(app).status_code == 200
    fresh()
    assert cli.main(["specs", "sync", "--from", str(src), "--to", str(dest)]) == 0
    assert "valid OpenAPI (checked before;" in capsys.readouterr().out


def test_specs_sync_reports_a_document_serve_would_refuse(served, tmp_path, capsys):
    from mockrestd import cli
    make, checks, fresh, record, builds = served
    src = _invalid(tmp_path / "src")
    bad = src / "slurm-v0.0.44.json"
    bad.rename(src / "slurm-v0.0.44-local.json")             # (not a manifest name: written as unknown)
    assert cli.main(["specs", "sync", "--from", str(src), "--to", str(tmp_path / "dest")]) == 1
    assert "serve: REFUSED the document of v0.0.44" in capsys.readouterr().out


def test_serve_refuses_an_invalid_document_with_a_clear_message(served, tmp_path, monkeypatch, capsys):
    import uvicorn

    from mockrestd import cli
    make, checks, fresh, record, builds = served

    def never(*args, **kwargs):
        raise AssertionError("serve must not start on an invalid document")
    monkeypatch.setattr(uvicorn, "run", never)
    key = tmp_path / "k"
    key.write_bytes(b"k" * 32)
    assert cli.main(["serve", "--specs", str(_invalid(tmp_path / "bad")), "--jwt-key", str(key)]) == 1
    err = capsys.readouterr().err
    assert "mockrestd serve: the document of v0.0.44 (from slurm-v0.0.44.json) is not valid OpenAPI 3.0" in err


def test_the_prechecked_specification_is_the_one_connexion_builds(state, tmp_path):
    import copy

    from connexion.spec import Specification

    from mockrestd.http.app import _connexion_document
    specs = load_specs(copy_specs(tmp_path, "slurm-v0.0.44.json"), only={"v0.0.44"})
    before = json.dumps(specs.versions["v0.0.44"].document)
    ours, _checked = validation.openapi_specification(_connexion_document(specs), label="v0.0.44")
    theirs = Specification.from_dict(copy.deepcopy(_connexion_document(specs)))
    assert type(theirs).__name__ == "OpenAPISpecification" and type(ours) is not type(theirs)
    assert isinstance(ours, type(theirs))
    assert ours.spec == theirs.spec and ours.raw == theirs.raw
    assert ours.base_path == theirs.base_path and ours.security_schemes == theirs.security_schemes
    assert json.dumps(specs.versions["v0.0.44"].document) == before        # the shared document untouched


def test_serving_leaves_the_loaded_documents_as_they_were(served, tmp_path):
    make, checks, fresh, record, builds = served
    site, app = make(copy_specs(tmp_path / "specs", "slurm-v0.0.43.json", "slurm-v0.0.44.json"))
    before = {v: json.dumps(vs.document) for v, vs in site.specs.versions.items()}
    assert _ping(app).status_code == 200
    assert {v: json.dumps(vs.document) for v, vs in site.specs.versions.items()} == before
