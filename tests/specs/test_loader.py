"""load_specs on the real documents in ../shared/specs: splitting, choice between documents, bad files."""

from __future__ import annotations

import json

import pytest

from mockrestd.specs import SpecSet, VersionSpec, deref, load_specs, resolve, scan_specs
from mockrestd.specs import loader as loader_mod

from ._shared import LIVE_2205, LIVE_2411, LIVE_2605, PER_VERSION, all_refs, copy_specs, need_shared

FOUR = {"v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"}


@pytest.fixture(scope="module")
def everything() -> SpecSet:
    return load_specs(need_shared())


@pytest.fixture(scope="module")
def four() -> SpecSet:
    return load_specs(need_shared(), only=FOUR)


def test_the_four_per_version_files_load(four):
    assert list(four.versions) == sorted(FOUR)
    assert not four.skipped
    releases = {v: vs.release for v, vs in four.versions.items()}
    assert releases == {"v0.0.41": "24.05.8", "v0.0.42": "24.11.6", "v0.0.43": "25.05.8", "v0.0.44": "25.11.7"}
    assert four.releases() == set(releases.values())
    for v, vs in four.versions.items():
        assert vs.source_file == f"slurm-{v}.json" and vs.kind == "version"


def test_v0044_shape(four):
    vs = four.versions["v0.0.44"]
    assert len(vs.document["paths"]) == 41
    assert len(vs.operations) == 66
    fams = [op.family for op in vs.operations.values()]
    assert fams.count("slurm") == 27 and fams.count("slurmdb") == 39
    op = vs.operations["slurm_v0044_post_job_submit"]
    assert (op.method, op.path, op.family, op.name) == ("post", "/slurm/v0.0.44/job/submit", "slurm",
                                                        "post_job_submit")
    assert op.op is vs.document["paths"][op.path]["post"]
    assert {o.name for o in vs.operations.values()} >= {"get_job", "get_jobs", "delete_job", "get_ping",
                                                         "get_resources", "post_new_node"}


def test_each_version_document_is_self_contained(everything):
    for v, vs in everything.versions.items():
        doc = vs.document
        for ref in set(all_refs(doc)):
            resolve(doc, ref)                     # raises if the cut lost a component
        prefixes = {p.split("/")[2] for p in doc["paths"]}
        assert prefixes == {v}, v
        for name in doc["components"]["schemas"]:
            assert v.replace("v", "") in name or name.startswith(("v", "dbv")), name


def test_live_2605_document_splits_into_four_versions_with_util(tmp_path):
    s = load_specs(copy_specs(tmp_path, LIVE_2605))
    assert list(s.versions) == ["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"]
    assert s.releases() == {"26.05.5"}
    for v in ("v0.0.44", "v0.0.45"):
        util = {o.name for o in s.versions[v].operations.values() if o.family == "util"}
        assert util == {"post_hostlist", "post_hostnames"}, v
    assert not any(o.family == "util" for o in s.versions["v0.0.42"].operations.values())
    assert all(vs.kind == "openapi-v3" for vs in s.versions.values())
    assert sum(len(vs.operations) for vs in s.versions.values()) == 264


def test_live_2205_document_yields_v36_to_v38(tmp_path):
    s = load_specs(copy_specs(tmp_path, LIVE_2205))
    assert list(s.versions) == ["v0.0.36", "v0.0.37", "v0.0.38"]
    # info.version says only "dbv0.0.36": the release comes from the manifest (by sha256)
    assert s.releases() == {"22.05.8"}
    v36, v37, v38 = s.versions.values()
    for vs in (v36, v37, v38):
        assert len({o.operation_id for o in vs.operations.values()}) == len(vs.operations)
        assert all(o.family in ("slurm", "slurmdb") for o in vs.operations.values())
    get_job = [o for o in v36.operations.values() if o.family == "slurm" and o.name == "get_job"]
    assert [(o.path, o.operation_id) for o in get_job] == [("/slurm/v0.0.36/job/{job_id}", "slurm_v0036_get_job")]
    assert {o.name for o in v38.operations.values() if o.family == "slurm"} >= {
        "get_licenses", "submit_job", "update_job", "cancel_job", "ping", "diag"}
    assert sum(len(vs.operations) for vs in s.versions.values()) == 129   # 133 minus the 4 /openapi ones
    assert any("/openapi/v3" in n for n in s.notes)


def test_release_from_manifest_even_when_renamed(tmp_path):
    (tmp_path / "whatever.json").write_bytes((need_shared() / LIVE_2205).read_bytes())
    s = load_specs(tmp_path)
    assert s.releases() == {"22.05.8"} and s.versions["v0.0.36"].kind == "openapi-v3"


def test_per_version_file_preferred_and_noted(everything):
    assert everything.versions["v0.0.44"].source_file == "slurm-v0.0.44.json"
    assert everything.versions["v0.0.40"].source_file == LIVE_2411
    assert everything.versions["v0.0.36"].source_file == LIVE_2205
    note = [n for n in everything.notes if n.startswith("v0.0.44:")]
    assert note and "slurm-v0.0.44.json" in note[0] and LIVE_2605 in note[0]
    assert list(everything.versions) == sorted(everything.versions, key=loader_mod.version_key)
    assert list(everything.versions) == [f"v0.0.{n}" for n in (36, 37, 38, 40, 41, 42, 43, 44, 45)]


def test_between_live_documents_the_newer_release_wins(tmp_path):
    s = load_specs(copy_specs(tmp_path, LIVE_2411, LIVE_2605), only={"v0.0.42"})
    assert s.versions["v0.0.42"].source_file == LIVE_2605


def test_only_filter_and_missing_versions(tmp_path):
    s = load_specs(copy_specs(tmp_path, *PER_VERSION), only={"v0.0.44", "v0.0.99"})
    assert list(s.versions) == ["v0.0.44"]
    assert any("v0.0.99" in n for n in s.notes)


def test_bad_files_are_skipped_with_one_line(tmp_path):
    copy_specs(tmp_path, "slurm-v0.0.44.json")
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    (tmp_path / "other-api.json").write_text(json.dumps(
        {"openapi": "3.0.3", "info": {"title": "x", "version": "1"}, "paths": {"/pets": {}}}))
    (tmp_path / "swagger.json").write_text(json.dumps({"swagger": "2.0", "paths": {}}))
    (tmp_path / "weird.json").write_text(json.dumps(
        {"openapi": "3.0.3", "paths": {"/slurm/v0.0.50/x": {"get": "not an operation"}}, "components": []}))
    (tmp_path / "notes.txt").write_text("ignored: not *.json")
    s = load_specs(tmp_path)
    assert "v0.0.44" in s.versions
    skipped = {line.split(":")[0]: line for line in s.skipped}
    assert set(skipped) >= {"garbage.json", "list.json", "empty.json", "binary.json", "other-api.json",
                            "swagger.json"}
    assert all("\n" not in line for line in s.skipped)


def test_missing_folder_is_reported_not_raised(tmp_path):
    s = load_specs(tmp_path / "nope")
    assert not s.versions and s.skipped and "not a folder" in s.skipped[0]


def test_merged_document(four):
    merged = four.merged_document()
    assert len(merged["paths"]) == sum(len(vs.document["paths"]) for vs in four.versions.values())
    ids = [o["operationId"] for item in merged["paths"].values() for o in item.values() if isinstance(o, dict)
           and "operationId" in o]
    assert len(ids) == len(set(ids)) == 57 + 59 + 62 + 66
    assert "v0.0.41_job_info" in merged["components"]["schemas"]
    assert "v0.0.44_job_info" in merged["components"]["schemas"]
    assert merged["info"]["x-slurm"]["release"] == "25.11.7"
    for ref in set(all_refs(merged)):
        resolve(merged, ref)


def test_resolve_and_deref(four):
    vs: VersionSpec = four.versions["v0.0.44"]
    info = vs.schema("v0.0.44_job_info")
    assert resolve(vs.document, "#/components/schemas/v0.0.44_job_info") is info
    limit = info["properties"]["time_limit"]
    assert "$ref" in limit
    d = vs.deref(limit)
    assert d is vs.deref(limit)                                     # cached: same object
    assert d["type"] == "object" and set(d["properties"]) == {"set", "infinite", "number"}
    assert d["description"].startswith("Maximum run time")          # the $ref's sibling wins
    assert deref(vs.document, limit) == d
    assert vs.deref({"type": "string"}) == {"type": "string"}
    prop = info["properties"]["partition"]
    assert vs.deref(prop) is prop


@pytest.fixture
def builds(monkeypatch):
    """File names normalised and cut (not found in a cache) from now on, memory and disk caches empty."""
    monkeypatch.setattr(loader_mod, "_FACTS", {})
    monkeypatch.setattr(loader_mod, "_CACHE", {})
    monkeypatch.setenv("MOCKRESTD_CACHE", "off")
    seen = []
    real_build = loader_mod._build

    def build(raw):
        seen.append(loader_mod._release_of(raw) or raw["info"].get("version"))
        return real_build(raw)
    monkeypatch.setattr(loader_mod, "_build", build)
    return seen


def test_loading_again_comes_from_memory(builds):
    s = load_specs(need_shared())
    assert len(s.versions) == 9 and len(builds) == 8       # every document normalised once
    again = load_specs(need_shared())
    assert len(builds) == 8                                 # ... and not again
    assert all(again.versions[v].document is vs.document for v, vs in s.versions.items())
    assert again.notes == s.notes and again.skipped == s.skipped


def test_scan_finds_versions_without_normalising(builds):
    index = scan_specs(need_shared())
    assert builds == []
    assert list(index.versions) == [f"v0.0.{n}" for n in (36, 37, 38, 40, 41, 42, 43, 44, 45)]
    assert [c.source_file for c in index.versions["v0.0.44"]] == ["slurm-v0.0.44.json", LIVE_2605]
    assert [c.source_file for c in index.versions["v0.0.42"]] == ["slurm-v0.0.42.json", LIVE_2605, LIVE_2411]
    assert index.versions["v0.0.36"][0].release == "22.05.8"      # from the manifest, by sha256
    assert index.releases() >= {"22.05.8", "24.11.5", "26.05.5", "25.11.7"}


def test_only_normalises_the_documents_that_serve_the_versions_asked_for(builds):
    index = scan_specs(need_shared())
    s = load_specs(need_shared(), only=FOUR, index=index)
    assert sorted(builds) == ["24.05.8", "24.11.6", "25.05.8", "25.11.7"]     # the four per-version files
    assert list(s.versions) == sorted(FOUR)
    everything = load_specs(need_shared())
    for v in FOUR:      # the same documents as a full load gives
        assert everything.versions[v].document is s.versions[v].document
    assert [n for n in s.notes if n.startswith("v0.0.44:")] == [n for n in everything.notes
                                                                if n.startswith("v0.0.44:")]


def test_only_without_per_version_files_uses_the_live_document(tmp_path, builds):
    s = load_specs(copy_specs(tmp_path, "slurm-v0.0.41.json", LIVE_2411, LIVE_2605), only={"v0.0.42", "v0.0.41"})
    assert {v: vs.source_file for v, vs in s.versions.items()} == {"v0.0.41": "slurm-v0.0.41.json",
                                                                   "v0.0.42": LIVE_2605}
    assert sorted(builds) == ["24.05.8", "26.05.5"]            # 24.11's document was not needed


def test_a_chosen_document_that_cannot_be_normalised_falls_back_to_the_next(tmp_path, monkeypatch, builds):
    copy_specs(tmp_path, "slurm-v0.0.44.json", LIVE_2605)
    real_build = loader_mod._build

    def build(raw):
        if loader_mod._release_of(raw) == "25.11.7":
            raise KeyError("broken")
        return real_build(raw)
    monkeypatch.setattr(loader_mod, "_build", build)
    s = load_specs(tmp_path, only={"v0.0.44"})
    assert s.versions["v0.0.44"].source_file == LIVE_2605
    assert s.skipped == ["slurm-v0.0.44.json: skipped, KeyError: 'broken'"]
    assert not any(n.startswith("v0.0.44:") for n in s.notes)        # no "not from" the broken file


def test_a_file_changed_between_scan_and_load_is_not_served_from_its_old_facts(tmp_path, builds):
    copy_specs(tmp_path, "slurm-v0.0.44.json")
    index = scan_specs(tmp_path)
    index._raw.clear()                                  # (as if scanned from cached facts)
    (tmp_path / "slurm-v0.0.44.json").write_text("{}")
    s = load_specs(tmp_path, only={"v0.0.44"}, index=index)
    assert not s.versions and "changed while it was being loaded" in s.skipped[0]
