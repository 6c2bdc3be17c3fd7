"""Swagger UI at `/mockrestd/docs/`: every served version's document, to read and to try requests against.

The page and its scripts come from connexion's `swagger-ui` extra (the `swagger_ui_bundle` package, no CDN);
the documents it shows are the ones the mock serves (each version's normalised, stand-alone document, and
the control API's), so what a person tries here is what a client meets. It lives under `/mockrestd/`, which
the gate passes through without a token; the requests a person tries carry the token they paste under
"Authorize" (X-SLURM-USER-TOKEN, X-SLURM-USER-NAME or bearer, the document's own security schemes)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

from starlette.responses import HTMLResponse, RedirectResponse, Response

PREFIX = "/mockrestd/docs"
CONTROL_SPEC_URL = "/mockrestd/v1/openapi.json"      # connexion serves the control API's own document there
# the files of the bundle the page loads; nothing else in its folder is served
_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
           "favicon-32x32.png", "favicon-16x16.png")


def bundle_dir() -> Path | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return Path(swagger_ui_path)


def spec_url(version: str) -> str:
    return f"{PREFIX}/{version}/openapi.json"


class Docs:
    def __init__(self, site):
        self.site = site
        self._documents: dict[str, bytes] = {}

    def urls(self) -> list[dict]:
        """What the page's "Select a definition" lists: newest version first, then the control API."""
        versions = list(self.site.specs.versions)[::-1]
        return [{"url": spec_url(v), "name": f"Slurm {v}"} for v in versions] + \
               [{"url": CONTROL_SPEC_URL, "name": "mockrestd control API"}]

    async def page(self, request):
        folder = bundle_dir()
        if folder is None:
            return Response("Swagger UI needs connexion's swagger-ui extra: pip install 'connexion[swagger-ui]'\n",
                            status_code=501, media_type="text/plain")
        from jinja2 import Template
        template = Template((folder / "index.j2").read_text())
        urls = self.urls()
        html = template.render(openapi_spec_url=urls[0]["url"], urls=urls)
        html = html.replace("<title>Swagger UI</title>", "<title>mockrestd — Swagger UI</title>", 1)
        return HTMLResponse(html)

    async def redirect(self, request):
        return RedirectResponse(PREFIX + "/")

    async def asset(self, request):
        name = request.path_params["name"]
        folder = bundle_dir()
        if name not in _ASSETS or folder is None:
            return Response("not found\n", status_code=404, media_type="text/plain")
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response((folder / name).read_bytes(), media_type=ctype,
                        headers={"cache-control": "max-age=3600"})

    async def document(self, request):
        version = request.path_params["version"]
        vs = self.site.specs.versions.get(version)
        if vs is None:
            return Response(json.dumps({"error": f"{version} is not served; served: "
                                                 f"{', '.join(self.site.specs.versions)}"}).encode(),
                            status_code=404, media_type="application/json")
        data = self._documents.get(version)
        if data is None:
            data = self._documents[version] = json.dumps(vs.document).encode()
        return Response(data, media_type="application/json")


def install(app, site) -> Docs:
    docs = Docs(site)
    app.add_url_rule(PREFIX, "docs_redirect", docs.redirect, methods=["GET"])
    app.add_url_rule(PREFIX + "/", "docs_page", docs.page, methods=["GET"])
    app.add_url_rule(PREFIX + "/index.html", "docs_index", docs.page, methods=["GET"])
    app.add_url_rule(PREFIX + "/{version}/openapi.json", "docs_document", docs.document, methods=["GET"])
    app.add_url_rule(PREFIX + "/{name}", "docs_asset", docs.asset, methods=["GET"])
    return docs
