"""Swagger UI at /mockrestd/docs/ over HTTP: no token needed, every file the page loads is there, and the
documents it offers are the ones served (each version's normalised document, and the control API's)."""

from __future__ import annotations

import json
import logging
import re

from tests.support import MockHarness


def _page(mock):
    r = mock.client.get("/mockrestd/docs/")          # no token: the docs are outside the Slurm API
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text
    return r.text


def test_docs_page_offers_every_served_document(mock):
    html = _page(mock)
    urls = json.loads(re.search(r"urls: (\[.*?\]),\n", html).group(1))
    assert [u["name"] for u in urls] == ["Slurm v0.0.44", "Slurm v0.0.43", "Slurm v0.0.42", "Slurm v0.0.41",
                                         "mockrestd control API"]
    assert f'url: "{urls[0]["url"]}"' in html, "the newest version opens first"
    for u in urls[:-1]:
        version = u["name"].split()[-1]
        r = mock.client.get(u["url"])
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.json() == mock.site.specs.versions[version].document, f"{version}: not the served document"
    control = mock.client.get(urls[-1]["url"])
    assert control.status_code == 200 and control.json()["info"]["title"] == "mockrestd control API"


def test_docs_document_keeps_the_security_schemes_to_paste_a_token_into(mock):
    for version in ("v0.0.44", "v0.0.41"):
        doc = mock.client.get(f"/mockrestd/docs/{version}/openapi.json").json()
        schemes = doc["components"]["securitySchemes"]
        assert schemes["token"] == {"type": "apiKey", "description": "User access token",
                                    "name": "X-SLURM-USER-TOKEN", "in": "header"}
        assert schemes["bearerAuth"]["scheme"] == "bearer"
        assert f"/slurm/{version}/job/submit" in doc["paths"]
        assert doc["servers"] == [{"url": "/"}], "tried requests go to this mock's Slurm API"


def test_docs_assets_and_unknown_paths(mock):
    html = _page(mock)
    assets = re.findall(r'(?:src|href)="\./([^"]+)"', html)
    assert {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"} <= set(assets)
    for name in assets:
        r = mock.client.get(f"/mockrestd/docs/{name}")
        assert r.status_code == 200 and len(r.content) > 100, name
    assert mock.client.get("/mockrestd/docs", follow_redirects=False).headers["location"] == "/mockrestd/docs/"
    assert mock.client.get("/mockrestd/docs/index.j2").status_code == 404      # only the page's own files
    r = mock.client.get("/mockrestd/docs/v0.0.40/openapi.json")
    assert r.status_code == 404 and "v0.0.44" in r.json()["error"]


def test_no_swagger_ui_warning_on_first_request(spec_set, key_file, monkeypatch, caplog):
    """connexion warned "The swagger_ui directory could not be found" once per API on the first request when
    its swagger-ui extra was missing: its own UI is off now (ours is at /mockrestd/docs/)."""
    import connexion.options
    monkeypatch.setattr(connexion.options, "default_template_dir", None)
    harness = MockHarness(spec_set, key_file)
    try:
        with caplog.at_level(logging.DEBUG):
            assert harness.get("/slurm/v0.0.44/ping/").status_code == 200
            assert harness.client.get("/mockrestd/v1/status").status_code == 200
        assert not [r for r in caplog.records if "swagger_ui directory" in r.getMessage()]
        assert harness.client.get("/ui/index.html", headers={}).status_code == 401, \
            "connexion mounts no UI of its own at /ui/"
    finally:
        harness.close()


def test_docs_without_the_bundle_say_what_to_install(mock, monkeypatch):
    from mockrestd.control import docs
    monkeypatch.setattr(docs, "bundle_dir", lambda: None)
    r = mock.client.get("/mockrestd/docs/")
    assert r.status_code == 501 and "connexion[swagger-ui]" in r.text
