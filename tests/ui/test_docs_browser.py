"""Swagger UI at /mockrestd/docs/ in a real headless Chromium: it renders the served documents, and a request
tried from it with a pasted token (X-SLURM-USER-TOKEN, then bearer) reaches the mock and answers 200."""

from __future__ import annotations


def _authorize(page, scheme: str, token: str):
    page.click(".auth-wrapper .btn.authorize")
    box = page.locator(".modal-ux .auth-container").filter(has_text=scheme)
    box.locator("input").fill(token)
    box.locator("button.authorize").click()
    page.click(".modal-ux .btn-done")


def _logout(page):
    page.click(".auth-wrapper .btn.authorize")
    for button in page.locator(".modal-ux button.logout").all():
        button.click()
    page.click(".modal-ux .btn-done")


def _try_ping(page, op_id: str) -> str:
    block = page.locator(f"#{op_id}")
    if not block.locator(".execute").count():
        if not block.locator(".try-out__btn").count():
            block.locator(".opblock-summary").click()
        block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    cell = block.locator(".live-responses-table tr.response .response-col_status").first
    cell.wait_for(timeout=10_000)
    return cell.inner_text().strip()


def test_swagger_ui_tries_requests_with_a_pasted_token(live, page, reports):
    page.goto(live.url + "/mockrestd/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    page.wait_for_selector("#operations-slurm-slurm_v0044_get_ping")
    assert page.locator(".opblock-summary-path[data-path='/slurm/v0.0.44/job/submit']").count() == 1

    _authorize(page, "X-SLURM-USER-TOKEN", live.token)
    assert _try_ping(page, "operations-slurm-slurm_v0044_get_ping") == "200"
    _logout(page)
    _authorize(page, "bearerAuth", live.token)
    page.locator("#operations-slurm-slurm_v0044_get_ping .btn-clear").click()
    assert _try_ping(page, "operations-slurm-slurm_v0044_get_ping") == "200"
    journal = live.http.get("/mockrestd/v1/journal").json()["requests"]
    assert [r["status"] for r in journal if r["path"] == "/slurm/v0.0.44/ping/"][-2:] == [200, 200]
    page.locator("#operations-slurm-slurm_v0044_get_ping .live-responses-table").scroll_into_view_if_needed()
    page.screenshot(path=str(reports / "swagger-ui.png"))

    page.select_option(".topbar select", label="Slurm v0.0.41")     # every served version is there
    page.wait_for_selector("#operations-slurm-slurm_v0041_get_ping")
    assert page.js_errors == []
