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
    page.locator(".modal-ux").get_by_role("button", name="Logout").click()
    assert page.locator(".modal-ux").get_by_role("button", name="Logout").count() == 0
    page.click(".modal-ux .btn-done")


def _try_ping(page, op_id: str) -> tuple[str, str]:
    """Execute the operation from the page: (status, response body) as the page shows them."""
    block = page.locator(f"#{op_id}")
    if not block.locator(".execute").count():
        if not block.locator(".try-out__btn").count():
            block.locator(".opblock-summary").click()
        block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    row = block.locator(".live-responses-table tr.response").first
    row.wait_for(timeout=10_000)
    return row.locator(".response-col_status").inner_text().strip(), row.locator("pre").first.inner_text()


def test_swagger_ui_tries_requests_with_a_pasted_token(live, page, reports):
    page.goto(live.url + "/mockrestd/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    page.wait_for_selector("#operations-slurm-slurm_v0044_get_ping")
    assert page.locator(".opblock-summary-path[data-path='/slurm/v0.0.44/job/submit']").count() == 1
    page.screenshot(path=str(reports / "swagger-ui.png"))

    # ping answers 200 even to a bad token (pinged DOWN, user nobody): the body says whether the token was used
    _authorize(page, "X-SLURM-USER-TOKEN", live.token)
    status, body = _try_ping(page, "operations-slurm-slurm_v0044_get_ping")
    assert status == "200" and '"user": "alice"' in body and '"pinged": "UP"' in body, body
    _logout(page)            # slurmrestd refuses a request that carries both kinds of token
    _authorize(page, "bearerAuth", live.token)
    page.locator("#operations-slurm-slurm_v0044_get_ping .btn-clear").click()
    status, body = _try_ping(page, "operations-slurm-slurm_v0044_get_ping")
    assert status == "200" and '"user": "alice"' in body and '"pinged": "UP"' in body, body
    assert "X-SLURM-USER-TOKEN" not in page.locator("#operations-slurm-slurm_v0044_get_ping .curl").inner_text()
    page.locator("#operations-slurm-slurm_v0044_get_ping .live-responses-table").scroll_into_view_if_needed()
    page.screenshot(path=str(reports / "swagger-ui-response.png"))

    page.select_option(".topbar select", label="Slurm v0.0.41")     # every served version is there
    page.wait_for_selector("#operations-slurm-slurm_v0041_get_ping")
    assert page.js_errors == []
