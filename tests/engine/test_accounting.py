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
