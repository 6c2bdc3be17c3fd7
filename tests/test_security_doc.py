"""SECURITY.md states limits and defaults the code has; this keeps the page and the code the same."""

from __future__ import annotations

import re

from mockrestd.auth import keys
from mockrestd.engine import hostlist
from mockrestd.http import gate, limits
from tests.conftest import ROOT

DOC = (ROOT / "SECURITY.md").read_text()


def test_readme_links_it():
    assert "(SECURITY.md)" in (ROOT / "README.md").read_text()


def test_limits_on_the_page_are_the_codes():
    assert f"{limits.MAX_BODY_BYTES:,} bytes" in DOC
    assert f"{limits.JSON_MAX_DEPTH} levels" in DOC and f"{limits.YAML_MAX_CONTAINERS} nested containers" in DOC
    assert f"{hostlist.MAX_RANGE:,} hosts per range" in DOC
    assert f"{gate.MAX_HEADER_BYTES // 1024} KiB" in DOC


def test_defaults_on_the_page_are_the_codes():
    cli = (ROOT / "mockrestd" / "cli.py").read_text()
    listen = re.search(r'SLURMRESTD_LISTEN"\) or "([^"]+)"', cli).group(1)      # serve's default address
    assert f"`{listen}`" in DOC and listen.startswith("127.0.0.1:")
    assert "0o600" in (ROOT / "mockrestd" / "auth" / "keys.py").read_text() and "mode 0600" in DOC
    assert keys.default_key_path.__doc__ and "32 random bytes" in keys.default_key_path.__doc__
    assert re.search(r"POST token.*mints a token for any user", DOC.replace("\n", " "))
