"""The connexion AsyncApp built from every served spec: routing and (pass-through) validation for the
requests the gate does not answer itself (every method but GET, and the control API).

Imported only when that app is first built (http/app.py `Routed`): importing connexion and building it
was most of the start-up, and the first answer needs neither."""

from __future__ import annotations

import json
import logging

import connexion
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from connexion.validators import ParameterValidator, VALIDATOR_MAP
from connexion.validators.abstract import AbstractRequestBodyValidator
from starlette.responses import Response

from . import respond

log = logging.getLogger("mockrestd.http")


class _PassBody(AbstractRequestBodyValidator):
    """The gate has decoded the body; Slurm's data_parser rules (unknown fields warn, `"1"` is a number)
    are applied by the schema-driven parser in `render/`, not by a strict JSON-schema check here."""

    async def _parse(self, stream, scope):
        data = b"".join([chunk async for chunk in stream])
        return json.loads(data) if data else None

    def _validate(self, body):
        return None


class _PassParams(ParameterValidator):
    """slurmrestd ignores unknown query parameters and reports bad values itself (error 9207, ...)."""

    def validate(self, scope):
        return None


class _Resolver(Resolver):
    """operationIds carry their version (`slurm_v0044_get_job`), so one merged API serves every version."""

    def __init__(self, site):
        super().__init__()
        self.site = site
        self.index = {oid: (vs, op) for vs in site.specs.versions.values() for oid, op in vs.operations.items()}

    def resolve_function_from_operation_id(self, operation_id):
        vs, op = self.index[operation_id]
        return _endpoint(self.site, vs, op)


def _endpoint(site, vs, op):
    """The connexion endpoint of one operation: the operation's answer (`Site.answerer`) as a Response."""
    answer = site.answerer(vs, op)

    async def endpoint(*_args, **_kwargs):
        request = connexion.request
        status, data, empty = await answer(request.scope, request.query_params)
        if isinstance(data, list):
            data = b"".join(data)
        if empty:
            return Response(status_code=status)
        return Response(content=data, status_code=status, media_type="application/json")

    endpoint.__name__ = op.operation_id
    return endpoint


def _add_specification(app, specification, *, name, **options):
    """`app.add_api` for a connexion `Specification` built already (`add_api` takes a dict or a file, and
    builds, and so checks, the Specification itself): the same steps as connexion 3.3's
    `ConnexionMiddleware.add_api` after its `Specification.load`."""
    from connexion.middleware.main import API

    middleware = app.middleware
    if middleware.middleware_stack is not None:
        raise RuntimeError("Cannot add api after an application has started")
    options = middleware.options.replace(**options)
    middleware.apis.append(API(specification, base_path=None, name=name, **options.__dict__))


def connexion_app(site, doc: dict, label: str):
    """The connexion app for `doc` (`app._connexion_document`); `InvalidSpecs` if it is not valid OpenAPI."""
    from ..specs.validation import openapi_specification

    validators = dict(VALIDATOR_MAP)
    validators["parameter"] = _PassParams
    validators["body"] = {"*/*": _PassBody}
    app = connexion.AsyncApp(__name__, validator_map=validators)
    specification, _checked = openapi_specification(doc, label=label)
    # no connexion Swagger UI here (it would take /ui/ and, without the bundle, warn): /mockrestd/docs/ has one
    _add_specification(app, specification, resolver=_Resolver(site), name="slurmrestd",
                       swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
    from ..control import routes as control_routes
    control_routes.install(app, site)

    async def on_error(request, exc):
        log.exception("unhandled error on %s", request.url.path)
        entry = respond.error_entry(-1, str(exc) or type(exc).__name__, "mockrestd")
        body = {"errors": [entry], "warnings": [], "meta": {}}
        return Response(json.dumps(body).encode(), status_code=500, media_type="application/json")

    app.add_error_handler(Exception, on_error)
    return app
