"""The live page (`/ui`) in a real headless Chromium: jobs submitted through the Slurm API appear with the ids
squeue prints, change state as the (frozen, then advanced) clock moves, and nodes show what they hold."""

from __future__ import annotations

import re

ENV = {"environment": ["PATH=/bin"], "current_working_directory": "/tmp"}


def _row(page, job_id):
    return page.locator(f'#jobs tr[data-id="{job_id}"]')


def _wait_state(page, job_id, state, timeout=10_000):
    page.wait_for_selector(f'#jobs tr[data-id="{job_id}"][data-state="{state}"]', timeout=timeout)


def test_live_view_follows_jobs_and_clock(live, page, reports):
    live.clock(freeze=True)
    page.goto(live.url + "/ui")
    page.wait_for_selector("#live:text('live')")
    assert page.locator("#clockstate").inner_text() == "frozen"

    plain = live.submit({"job": {"name": "plain", "script": "#!/bin/bash\nsleep 30", **ENV}})
    array = live.submit({"job": {"name": "sweep", "array": "0-5%2", "script": "#!/bin/bash\nsleep 20", **ENV}})
    het = live.submit({"jobs": [{"name": "het", "script": "#!/bin/bash\nsleep 40", **ENV}, {"name": "het", **ENV}]})
    gpu = live.submit({"job": {"name": "train", "partition": "gpu", "tres_per_node": "gres/gpu:1",
                               "script": "#!/bin/bash\nsleep 60", **ENV}}, version="v0.0.41")

    # they appear without a reload, pending, with squeue's ids
    for job_id in (str(plain), f"{array}_[0-5%2]", f"{het}+0", f"{het}+1", str(gpu)):
        _wait_state(page, job_id, "PENDING")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1, "the page never reloaded"

    live.clock(advance=2)                   # one scheduler pass: everything that fits starts
    for job_id in (str(plain), f"{array}_0", f"{array}_1", f"{het}+0", f"{het}+1", str(gpu)):
        _wait_state(page, job_id, "RUNNING")
    _wait_state(page, f"{array}_[2-5%2]", "PENDING")
    assert "(JobArrayTaskLimit)" in _row(page, f"{array}_[2-5%2]").inner_text()

    # nodes show their use: CPUs, memory, and the GPU the gpu job holds
    gpu1 = page.locator('#nodes [data-node="gpu1"]')
    assert "MIXED" in gpu1.inner_text()
    assert re.search(r"gpu\s+1/2", gpu1.inner_text()), gpu1.inner_text()
    cpu_text = page.locator('#nodes [data-node="node1"] .meter').first.inner_text()
    used = int(re.search(r"(\d+)/8", cpu_text).group(1))
    assert used > 0, cpu_text

    # the clock controls on the page drive the same clock: +10 s, then the API moves it past the plain job's end
    before = page.locator("#clock").inner_text()
    page.click("button[data-advance='10']")
    page.wait_for_function(f"document.getElementById('clock').textContent !== {before!r}")
    live.clock(advance=20)
    _wait_state(page, str(plain), "COMPLETED")
    _wait_state(page, f"{array}_2", "RUNNING")
    assert _row(page, str(plain)).locator("td").nth(5).inner_text() == "0:30"

    # the timeline draws a bar per job; the journal lists the submits
    page.wait_for_function("document.querySelectorAll('#timeline rect').length >= 8")
    journal = page.locator("#journal").inner_text()
    assert "POST /slurm/v0.0.44/job/submit" in journal and "POST /slurm/v0.0.41/job/submit" in journal

    page.click("#freeze")                   # unfreeze from the page, speed it up, freeze again
    page.wait_for_selector("#clockstate:text('×1')")
    page.select_option("#speed", "10")
    page.wait_for_selector("#clockstate:text('×10')")
    assert live.http.get("/mockrestd/v1/clock").json()["speed"] == 10
    page.click("#freeze")
    page.wait_for_selector("#clockstate:text('frozen')")
    page.screenshot(path=str(reports / "live-view.png"), full_page=True)
    assert page.js_errors == []
