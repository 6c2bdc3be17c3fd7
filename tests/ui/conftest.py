"""A headless Chromium (Debian's `chromium`, driven by Python playwright) and a served mock for the page tests.

Playwright's own browser downloads are never used (`playwright install` needs the network): the browser is
the system one. Without it the browser tests fail under CI=true or MOCKRESTD_REAL=1 (CI installs it, see
.ci/run) and are skipped, saying why, elsewhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.e2e.conftest import start_server

CHROMIUM = os.environ.get("MOCKRESTD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REPORTS = ROOT / "reports" / "ui"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python playwright is not installed (pip install -e '.[test]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    why = _missing()
    if why:
        if os.environ.get("CI") == "true" or os.environ.get("MOCKRESTD_REAL") == "1":
            pytest.fail(f"the browser tests must run here: {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.js_errors = errors
    yield pg
    context.close()


class Live:
    """A `mockrestd serve` process, its control API, and a token for the Slurm API."""

    def __init__(self, served):
        self.served, self.url = served, served.url
        self.token = served.token("alice")
        self.http = httpx.Client(base_url=served.url, timeout=10,
                                 headers={"X-SLURM-USER-TOKEN": self.token})

    def clock(self, **body) -> dict:
        r = self.http.post("/mockrestd/v1/clock", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def submit(self, body: dict, version="v0.0.44") -> int:
        r = self.http.post(f"/slurm/{version}/job/submit", json=body)
        assert r.status_code == 200 and r.json().get("job_id"), r.text
        return r.json()["job_id"]


@pytest.fixture
def live(tmp_path):
    served = start_server(tmp_path, speed=1.0)
    mock = Live(served)
    yield mock
    mock.http.close()
    served.proc.terminate()
    served.proc.wait(10)


@pytest.fixture(scope="session")
def reports() -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    return REPORTS
