"""Accounting reads that depend on query flags, as real slurmdbd answers them (26.05.5, 25.11 fixtures)."""


def test_associations_listed_only_when_asked(cluster):
    acc = cluster.accounting
    plain = {a["name"]: a for a in acc.accounts_list({})}
    assert plain and all(a["associations"] == [] for a in plain.values())
    full = {a["name"]: a for a in acc.accounts_list({"WithAssociations": True})}
    name = next(n for n, a in full.items() if any(x["user"] for x in a["associations"]))
    assert any(x["user"] == "" for x in full[name]["associations"]), "the account's own association too"
    assert acc.account(name)["associations"] == []
    assert acc.account(name, {"with_assocs": True})["associations"] == full[name]["associations"]
    assert acc.user("alice")["associations"] == []
    assert acc.user("alice", {"with_assocs": ["true"]})["associations"]
    assert acc.user("alice", {"with_assocs": ["false"]})["associations"] == []
    assert all(u["associations"] for u in acc.users_list({"with_assocs": True}))


def _contained(clock):
    from mockrestd.engine import Cluster
    from mockrestd.engine.config import load_config
    cfg = load_config()
    cfg["slurm_conf"] = {"PrologFlags": "Alloc,Contain"}
    return Cluster(cfg, clock)


def test_prolog_flags_contain_adds_an_extern_step_after_batch(clock):
    from .conftest import submit
    cluster = _contained(clock)
    failing = submit(cluster, script="#!/bin/bash\nsleep 5\nexit 3")
    cancelled = submit(cluster, script="#!/bin/bash\nsleep 500")
    clock.advance(2)
    steps = cluster.accounting.job_record(str(failing))[0]["steps"]
    assert [(s["step"]["name"], s["state"]) for s in steps] == [("batch", ["RUNNING"]), ("extern", ["RUNNING"])]
    assert steps[1]["step"]["id"] == f"{failing}.extern"
    cluster.signal_job(str(cancelled), as_user="alice")
    clock.advance(10)
    steps = cluster.accounting.job_record(str(failing))[0]["steps"]
    assert [(s["step"]["name"], s["state"], s["exit_code"]["status"]) for s in steps] == [
        ("batch", ["FAILED"], ["ERROR"]), ("extern", ["COMPLETED"], ["SUCCESS"])], "extern ends clean"
    assert steps[1]["time"]["end"] >= steps[0]["time"]["end"] - 1
    steps = cluster.accounting.job_record(str(cancelled))[0]["steps"]
    assert [s["state"] for s in steps] == [["CANCELLED"], ["CANCELLED"]]


def test_the_extern_step_runs_on_every_node_of_the_job(clock):
    from .conftest import submit
    cluster = _contained(clock)
    job = submit(cluster, nodes="2")
    clock.advance(2)
    batch, extern = cluster.accounting.job_record(str(job))[0]["steps"]
    assert extern["nodes"]["count"] == 2 and len(extern["nodes"]["list"]) == 2, extern["nodes"]
    assert extern["tasks"]["count"] == 2 and batch["nodes"]["count"] == 1
    assert set(extern["nodes"]["list"]) >= set(batch["nodes"]["list"])


def test_without_contain_there_is_no_extern_step(cluster, clock):
    from .conftest import submit
    job = submit(cluster)
    clock.advance(2)
    assert [s["step"]["name"] for s in cluster.accounting.job_record(str(job))[0]["steps"]] == ["batch"]
