"""The default HS256 key (~/.local/state/mockrestd/jwt_hs256.key) is published whole: two mocks (or a mock
and `mockrestd token`) that start at once both read the same complete 32-byte key."""

import multiprocessing as mp
import os
import stat


def _take_key(state_dir, barrier, out):
    os.environ["XDG_STATE_HOME"] = state_dir
    from mockrestd.auth import default_key_path
    barrier.wait()                                   # all start together: the race the bug was about
    path = default_key_path()
    out.put(path.read_bytes())


def test_concurrent_first_use_gives_every_process_the_same_whole_key(tmp_path):
    ctx = mp.get_context("fork")
    n = 6
    for round_ in range(5):                          # a few fresh state dirs: the race window is small
        state = tmp_path / f"state{round_}"
        barrier, out = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_take_key, args=(str(state), barrier, out)) for _ in range(n)]
        for p in procs:
            p.start()
        keys = [out.get(timeout=30) for _ in procs]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0, "a process failed to take the default key"
        assert len(keys[0]) == 32 and len(set(keys)) == 1, [len(k) for k in keys]
        key_file = state / "mockrestd" / "jwt_hs256.key"
        assert key_file.read_bytes() == keys[0]
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert sorted(p.name for p in key_file.parent.iterdir()) == ["jwt_hs256.key"]   # no temp file left


def test_an_existing_key_is_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    from mockrestd.auth import default_key_path
    first = default_key_path().read_bytes()
    assert default_key_path().read_bytes() == first
