"""The renderer's per-revision item cache: a cached answer is, byte for byte, the answer made from scratch.

Every test compares the cached body with the body made with the cache off (records made again, schema
walked again, JSON encoded again) at the same instant of a manual clock, after each kind of change that a
stale cache would miss, for every served version."""

from __future__ import annotations

import json

import pytest

from mockrestd.engine import Cluster
from mockrestd.engine.clock import ManualClock
from mockrestd.render import Renderer, Rows
from mockrestd.render import renderer as render_module

VERSIONS = ("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44")
JOB = {"script": "#!/bin/bash\nsleep 30", "environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def get(mock, path, *, cache: bool, version: str = "v0.0.44") -> bytes:
    renderer = mock.site.renderer(version)
    before = renderer.cache
    renderer.cache = cache
    try:
        r = mock.get(path, user="root")
    finally:
        renderer.cache = before
    assert r.status_code == 200, r.text
    return r.content


def fresh_equals_cached(mock, version="v0.0.44", path=None) -> bytes:
    path = path or f"/slurm/{version}/jobs/"
    cached = get(mock, path, cache=True, version=version)
    again = get(mock, path, cache=True, version=version)          # the second one is all hits
    fresh = get(mock, path, cache=False, version=version)
    assert cached == fresh, f"{path}: the cached body is not the one made from scratch"
    assert again == fresh
    return cached


def jobs_of(body: bytes) -> dict:
    return {j["job_id"]: j for j in json.loads(body)["jobs"]}


def number(value):
    return value["number"] if isinstance(value, dict) else value


def populate(mock) -> dict:
    """Jobs in many states: running, pending for several reasons, finished in several ways, array, hetjob."""
    ids = {}
    for i in range(8):
        ids[f"run{i}"] = mock.submit(name=f"run/{i}", script=f"#!/bin/bash\nsleep {100 + i}")
    ids["completes"] = mock.submit(script="#!/bin/bash\nsleep 2")
    ids["fails"] = mock.submit(script="#!/bin/bash\nsleep 2\nexit 3")
    ids["cancelled"] = mock.submit(script="#!/bin/bash\nsleep 100")
    ids["signalled"] = mock.submit(script="#!/bin/bash\nsleep 100")
    ids["held"] = mock.submit(hold=True, name="held ✓ \"quoted\" é")
    ids["big"] = mock.submit(tasks=500)
    ids["later"] = mock.submit(begin_time=int(mock.clock.now()) + 3600)
    ids["dependent"] = mock.submit(dependency=f"afterok:{ids['fails']}", comment="a/b\\c")
    ids["array"] = mock.submit(array="1-6%2", tasks=2, user="bob")
    r = mock.post("/slurm/v0.0.44/job/submit", json={"jobs": [JOB, {"environment": ["A=1"],
                                                                    "current_working_directory": "/tmp"}]})
    assert r.status_code == 200, r.text
    ids["het"] = r.json()["job_id"]
    for i in range(30):
        mock.submit(name=f"queued{i}", time_limit=60 + i, user=("alice", "bob", "carol")[i % 3])
    mock.advance(5)
    assert mock.delete(f"/slurm/v0.0.44/job/{ids['cancelled']}").status_code == 200
    assert mock.delete(f"/slurm/v0.0.44/job/{ids['signalled']}?signal=TERM").status_code == 200
    return ids


@pytest.mark.parametrize("version", VERSIONS)
def test_many_jobs_in_many_states_cached_equals_fresh(mock, version):
    ids = populate(mock)
    body = fresh_equals_cached(mock, version)
    jobs = jobs_of(body)
    states = {tuple(j["job_state"]) if isinstance(j["job_state"], list) else (j["job_state"],)
              for j in jobs.values()}
    assert len(jobs) > 50 and len(states) >= 5, states
    for name in ("held", "array", "het"):
        path = f"/slurm/{version}/job/{ids[name]}"
        fresh_equals_cached(mock, version, path)
    mock.advance(1)          # COMPLETING clears, a scheduler pass re-evaluates everything pending
    fresh_equals_cached(mock, version)


def test_versions_render_the_same_job_differently_and_each_from_its_own_cache(mock):
    populate(mock)
    bodies = {v: fresh_equals_cached(mock, v) for v in VERSIONS}
    assert len(set(bodies.values())) == len(VERSIONS)
    one = {v: jobs_of(b)[1] for v, b in bodies.items()}
    assert "step_id" in one["v0.0.44"] and "step_id" not in one["v0.0.41"]
    assert set(one["v0.0.44"]) != set(one["v0.0.41"])
    # and after all four caches are warm, each still answers its own version
    assert {v: get(mock, f"/slurm/{v}/jobs/", cache=True, version=v) for v in VERSIONS} == bodies


def test_every_kind_of_change_shows_at_once(mock):
    jid = mock.submit(script="#!/bin/bash\nsleep 100")
    arr = mock.submit(array="1-4%1")
    waiting = mock.submit(tasks=500)
    body0 = fresh_equals_cached(mock)
    assert jobs_of(body0)[jid]["job_state"] == ["PENDING"]

    mock.advance(2)                                               # state: PENDING -> RUNNING
    body1 = fresh_equals_cached(mock)
    assert jobs_of(body1)[jid]["job_state"] == ["RUNNING"] and body1 != body0

    assert mock.post(f"/slurm/v0.0.44/job/{jid}", json={"comment": "updated"}).status_code == 200
    body2 = fresh_equals_cached(mock)                             # update
    assert jobs_of(body2)[jid]["comment"] == "updated"

    assert mock.delete(f"/slurm/v0.0.44/job/{jid}").status_code == 200
    body3 = fresh_equals_cached(mock)                             # cancel: COMPLETING for a second
    assert jobs_of(body3)[jid]["job_state"] == ["CANCELLED", "COMPLETING"]
    mock.advance(2)
    body4 = fresh_equals_cached(mock)                             # the clock clears COMPLETING
    assert jobs_of(body4)[jid]["job_state"] == ["CANCELLED"]

    strings = [jobs_of(body4)[arr]["array_task_string"]]
    for _ in range(6):                                            # the array's task string shrinks
        mock.advance(31)
        strings.append(jobs_of(fresh_equals_cached(mock))[arr]["array_task_string"])
    assert strings[0] == "2-4%1" and "4%1" in strings, strings

    evaluated = [number(jobs_of(fresh_equals_cached(mock))[waiting]["last_sched_evaluation"])]
    mock.submit()                                                 # a scheduler pass re-evaluates `waiting`
    mock.advance(400)                                             # MinJobAge: the cancelled job is gone
    body5 = fresh_equals_cached(mock)
    assert jid not in jobs_of(body5)
    evaluated.append(number(jobs_of(body5)[waiting]["last_sched_evaluation"]))
    assert evaluated[1] > evaluated[0]


def test_a_listing_is_sent_again_only_while_nothing_in_it_changed(mock):
    """The last GET jobs/ body is sent again while the listing's signature is the same; changes that give
    no job a new revision must change it too: a scheduler pass alone (last_sched_evaluation), the clock
    alone (COMPLETING ends), an array's pending tasks."""
    waiting = mock.submit(tasks=500)                    # never fits: pending, re-evaluated on every pass
    mock.advance(3)
    first = number(jobs_of(fresh_equals_cached(mock))[waiting]["last_sched_evaluation"])
    mock.advance(3)
    mock.cluster.sync()
    mock.cluster._t = mock.clock.now()
    mock.cluster._schedule()                            # a pass, and nothing else
    later = number(jobs_of(fresh_equals_cached(mock))[waiting]["last_sched_evaluation"])
    assert later > first

    alone = mock.site.renderer("v0.0.44")
    assert mock.delete(f"/slurm/v0.0.44/job/{waiting}").status_code == 200
    jid = mock.submit(script="#!/bin/bash\nsleep 100")
    mock.advance(2)
    assert mock.delete(f"/slurm/v0.0.44/job/{jid}").status_code == 200
    assert jobs_of(fresh_equals_cached(mock))[jid]["job_state"] == ["CANCELLED", "COMPLETING"]
    mock.advance(2)                                     # the clock alone clears COMPLETING
    assert jobs_of(fresh_equals_cached(mock))[jid]["job_state"] == ["CANCELLED"]
    assert alone._listings


def test_signal_shows_at_once(mock):
    jid = mock.submit(script="#!/bin/bash\nsleep 100")
    trapped = mock.submit(script="#!/bin/bash\ntrap 'exit 3' TERM\nsleep 100")
    mock.advance(2)
    fresh_equals_cached(mock)
    mock.delete(f"/slurm/v0.0.44/job/{jid}?signal=TERM")
    mock.delete(f"/slurm/v0.0.44/job/{trapped}?signal=15")
    jobs = jobs_of(fresh_equals_cached(mock))
    assert jobs[jid]["job_state"] == ["FAILED"] and jobs[jid]["state_reason"] == "RaisedSignal"
    assert jobs[trapped]["exit_code"]["return_code"]["number"] == 3
    one = fresh_equals_cached(mock, path=f"/slurm/v0.0.44/job/{jid}")
    assert json.loads(one)["jobs"][0]["job_state"] == ["FAILED"]


def test_update_time_semantics_hold(mock):
    jid = mock.submit()
    mock.advance(2)
    fresh_equals_cached(mock)
    now = int(mock.clock.now())
    assert json.loads(get(mock, f"/slurm/v0.0.44/jobs/?update_time={now}", cache=True))["jobs"] == []
    assert mock.post(f"/slurm/v0.0.44/job/{jid}", json={"name": "renamed"}).status_code == 200
    body = fresh_equals_cached(mock, path=f"/slurm/v0.0.44/jobs/?update_time={now - 1}")
    assert jobs_of(body)[jid]["name"] == "renamed"


def test_reset_with_the_same_job_ids_is_not_served_from_the_cache(mock):
    jid = mock.submit(name="before reset")
    fresh_equals_cached(mock)
    assert mock.client.post("/mockrestd/v1/reset").status_code == 200
    assert mock.submit(name="after reset") == jid
    assert jobs_of(fresh_equals_cached(mock))[jid]["name"] == "after reset"


# ---- the renderer on its own --------------------------------------------------------------------------------

class Ref:
    made = 0

    def __init__(self, revision, record, volatile=None):
        self.revision, self._record, self.volatile = revision, record, volatile or {}

    def record(self):
        Ref.made += 1
        return self._record


@pytest.fixture
def renderer(spec_set):
    return Renderer(spec_set.versions["v0.0.44"].document, "v0.0.44", cache=True)


def payload(jobs):
    return {"jobs": jobs, "last_backfill": 5, "last_update": 5, "meta": {}, "errors": [], "warnings": []}


def test_rows_render_as_the_plain_list_would(renderer):
    records = [{"job_id": i, "name": f"n/{i}", "job_state": ["PENDING"], "time_limit": None} for i in range(5)]
    plain = renderer.dumps(renderer.response("slurm_v0044_get_jobs", payload(records)))
    rows = Rows(Ref(("r", i), rec) for i, rec in enumerate(records))
    assert renderer.response_json("slurm_v0044_get_jobs", payload(rows)) == plain
    assert renderer.response_json("slurm_v0044_get_jobs", payload(records)) == plain
    assert renderer.dumps(renderer.response("slurm_v0044_get_jobs", payload(rows))) == plain
    assert b'"n\\/0"' in plain
    empty = renderer.response_json("slurm_v0044_get_jobs", payload(Rows()))
    assert empty == renderer.dumps(renderer.response("slurm_v0044_get_jobs", payload([])))


def test_unchanged_revisions_are_not_made_again_and_changed_ones_are(renderer):
    rows = Rows(Ref(i, {"job_id": i}) for i in range(10))
    Ref.made = 0
    first = renderer.response_json("slurm_v0044_get_jobs", payload(rows))
    assert Ref.made == 10
    assert renderer.response_json("slurm_v0044_get_jobs", payload(rows)) == first
    assert Ref.made == 10
    rows[3] = Ref(103, {"job_id": 3, "name": "changed"})
    changed = renderer.response_json("slurm_v0044_get_jobs", payload(rows))
    assert Ref.made == 11 and b'"changed"' in changed
    renderer.cache = False
    renderer.response_json("slurm_v0044_get_jobs", payload(rows))
    assert Ref.made == 21


def test_volatile_fields_are_filled_in_not_kept(renderer):
    """Same revision, another last_sched_evaluation (a scheduler pass): the kept JSON, the new value."""
    def rows(evaluated, order=("last_sched_evaluation", "accrue_time")):
        recs = [{"job_id": i, "name": f"j{i}", "last_sched_evaluation": evaluated + i, "accrue_time": 7 * i}
                for i in range(6)]
        return recs, Rows(Ref(("same", i), rec, {k: rec[k] for k in order}) for i, rec in enumerate(recs))

    Ref.made = 0
    for evaluated in (1000, 1000, 2000, 3000):
        recs, refs = rows(evaluated)
        plain = renderer.dumps(renderer.response("slurm_v0044_get_jobs", payload(recs)))
        assert renderer.response_json("slurm_v0044_get_jobs", payload(refs)) == plain
        assert f'"number":{evaluated + 5}'.encode() in plain
    assert Ref.made == 6, "made once, then only the volatile values were filled in"
    recs, refs = rows(4000, order=("accrue_time", "last_sched_evaluation"))    # not in the schema's order
    assert renderer.response_json("slurm_v0044_get_jobs", payload(refs)) == \
        renderer.dumps(renderer.response("slurm_v0044_get_jobs", payload(recs)))


def test_volatile_fields_of_a_renamed_item_key_the_entry(spec_set, monkeypatch):
    """When a version's table reshapes the item, a volatile field may show elsewhere: no cutting, the
    values are part of the key."""
    from mockrestd.render import renames
    monkeypatch.setitem(renames.TABLE, "v0.0.44", {"job_info": lambda r: dict(r, comment=str(r["last_sched_evaluation"]))})
    r = Renderer(spec_set.versions["v0.0.44"].document, "v0.0.44", cache=True)
    for evaluated in (10, 20, 20, 30):
        rec = {"job_id": 1, "last_sched_evaluation": evaluated}
        body = r.response_json("slurm_v0044_get_jobs", payload(Rows([Ref("same", rec, dict(rec))])))
        assert json.loads(body)["jobs"][0]["comment"] == str(evaluated)
        assert body == r.dumps(r.response("slurm_v0044_get_jobs", payload([rec])))


def test_a_record_holding_the_marker_is_rendered_whole(renderer, monkeypatch):
    monkeypatch.setattr(render_module, "_MARK", "known")
    rec = {"job_id": 1, "name": "\x00knowng\x00", "last_sched_evaluation": 5}
    rows = Rows([Ref("m", rec, {"last_sched_evaluation": 5})])
    Ref.made = 0
    for _ in range(2):
        body = renderer.response_json("slurm_v0044_get_jobs", payload(rows))
        assert body == renderer.dumps(renderer.response("slurm_v0044_get_jobs", payload([rec])))
    assert Ref.made >= 2, "nothing was kept for it"


def test_the_cache_stays_bounded(renderer, monkeypatch):
    monkeypatch.setattr(render_module, "_CACHE_MIN", 50)
    for generation in range(40):
        rows = Rows(Ref((generation, i), {"job_id": i}) for i in range(20))
        renderer.response_json("slurm_v0044_get_jobs", payload(rows))
    assert len(renderer._fragments) + len(renderer._old_fragments) <= 2 * 50 + 20


def test_cache_off_by_environment(spec_set, monkeypatch):
    monkeypatch.setenv("MOCKRESTD_RENDER_CACHE", "0")
    assert Renderer(spec_set.versions["v0.0.44"].document, "v0.0.44").cache is False
    monkeypatch.setenv("MOCKRESTD_RENDER_CACHE", "1")
    assert Renderer(spec_set.versions["v0.0.44"].document, "v0.0.44").cache is True


def test_a_busy_cluster_rendered_from_the_cache_equals_rendered_from_scratch(spec_set):
    """Hundreds of jobs through a long history, every version, compared at every step."""
    clock = ManualClock(1_760_000_000)
    cluster = Cluster.default(clock=clock)
    renderers = {v: Renderer(spec_set.versions[v].document, v, cache=True) for v in VERSIONS}
    for i in range(120):
        cluster.submit({**JOB, "script": f"#!/bin/bash\nsleep {3 + i % 17}\nexit {i % 4 == 0}",
                        "name": f"job{i}"}, "alice")
    cluster.submit({**JOB, "array": "0-20:2%3"}, "bob")
    for step in range(16):
        clock.advance(2)
        if step % 5 == 2:
            cluster.signal_job(str(10 + step), None, [], "alice")
        if step % 7 == 3:
            cluster.update_job(str(90 + step), {"comment": f"step {step}"}, "alice")
        for version, r in renderers.items():
            op = f"slurm_{version.replace('.', '')}_get_jobs"
            cached = r.response_json(op, payload(Rows.of(cluster.job_records(lazy=True))))
            fresh = r.dumps(r.response(op, payload(cluster.job_records())))
            assert cached == fresh, (version, step)
            # unchanged since: the last listing again, its refs never made
            again = Rows.of(cluster.job_records(lazy=True))
            assert r.response_json(op, payload(again)) == fresh and not again, (version, step)


# ---- JSON: orjson's bytes are the stdlib's ---------------------------------------------------------------------

def stdlib(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("/", "\\/").encode("utf-8")


@pytest.mark.parametrize("value", [
    {"a": 1.0, "b": 0.5, "c": 2.5e-3, "d": 1e16, "e": 1.5e-07, "f": 1e-05, "g": 123456789012345678.0},
    ["a/b", "é✓ \u2028", "ctl \x00\x1f\x7f", 'quote " back \\ slash', "run1e5", "0.00001"],
    {"big": 2 ** 64, "neg": -(2 ** 63), "huge": 10 ** 30},
    {1: "non-string key", "nested": [{"x": [True, False, None]}]},
    [-0.0, 0.1 + 0.2, 5e-324, 1.7976931348623157e308, 1e15, 0.0001],
])
def test_dumps_is_the_stdlib_bytes(value):
    assert Renderer.dumps(value) == stdlib(value)


@pytest.mark.skipif(not render_module.FAST_JSON, reason="orjson not installed")
def test_non_finite_floats_are_null():
    """The one difference, on purpose: the stdlib writes NaN/Infinity, which is not JSON; orjson writes null.
    Nothing the engine makes is non-finite (no limit is a float infinity: that is `INFINITE`)."""
    assert Renderer.dumps([float("inf"), float("nan")]) == b"[null,null]"


def test_dumps_without_orjson_is_the_same(monkeypatch):
    value = {"path": "/tmp/x", "n": 1.5, "s": "é"}
    fast = Renderer.dumps(value)
    monkeypatch.setattr(render_module, "FAST_JSON", False)
    assert Renderer.dumps(value) == fast == stdlib(value)


# ---- the shell and meta memos: every GET operation, every version ------------------------------------------

def _get_paths(mock, version: str, ids: dict):
    """A GET of every operation of `version` that has one, path parameters filled from the populated mock
    (and a few that answer with an error)."""
    fill = {"job_id": str(ids["run0"]), "node_name": "node1", "partition_name": "debug", "reservation_name": "x",
            "qos": "normal", "account_name": "root", "user_name": "alice", "cluster_name": "mock",
            "wckey": "w", "association": "a"}
    for op in mock.site.specs.versions[version].operations.values():
        if op.method.upper() != "GET":
            continue
        path = op.path
        for name, value in fill.items():
            path = path.replace("{" + name + "}", value)
        if "{" not in path and not path.rstrip("/").endswith("/diag"):    # diag counts the requests themselves
            yield path
    yield f"/slurm/{version}/job/999999"                 # an error answer: 2017, the empty list
    yield f"/slurm/{version}/jobs/?flags=NOPE"           # data and a 9207 error


@pytest.mark.parametrize("version", VERSIONS)
def test_every_get_answer_made_from_the_memos_equals_the_one_made_from_scratch(mock, version):
    """`meta` is kept per (family, user, client, cluster) and the rest of an answer per what it holds: an
    answer made from them, the first time or again, for another user or after a change, is the answer
    made from scratch."""
    ids = populate(mock)
    renderer = mock.site.renderer(version)

    def body(path, user):
        r = mock.get(path, user=user)
        return r.status_code, r.content

    def fresh(path, user):
        renderer.cache = False
        try:
            return body(path, user)
        finally:
            renderer.cache = True

    paths = list(_get_paths(mock, version, ids))
    assert len(paths) > 20
    for round_ in range(2):
        for path in paths:
            for user in ("root", "alice"):
                want = fresh(path, user)
                assert body(path, user) == want, (round_, path, user)
                assert body(path, user) == want, (round_, path, user)      # from the memos
        mock.advance(3)                                                 # jobs start and end, time moves
        assert mock.post(f"/slurm/{version}/job/{ids['held']}", json={"comment": f"r{round_}"}).status_code == 200
    assert renderer._shells and renderer._memo
