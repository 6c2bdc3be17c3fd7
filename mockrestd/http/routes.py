"""The URL table of every served operation, matched the way slurmrestd matches them.

slurmrestd answers unknown paths and wrong methods alike with a text/plain 404, accepts a missing or extra
trailing slash, and never reaches an operation for HEAD/OPTIONS. connexion's router cannot say that, so
the gate matches requests here first and hands connexion the spec's own spelling of the path."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    template: str            # the spec's path, e.g. "/slurm/v0.0.44/job/{job_id}"
    regex: re.Pattern
    params: tuple[str, ...]
    operations: dict         # method (lower) -> (VersionSpec, Operation)


@dataclass(frozen=True)
class Match:
    route: Route
    path: str                # the template's spelling (trailing slash as in the spec), parameters as "_"
    params: dict
    version_spec: object | None
    operation: object | None  # None: path known, method not


class RouteTable:
    def __init__(self, spec_set):
        grouped: dict[str, dict] = {}
        for vs in spec_set.versions.values():
            for op in vs.operations.values():
                grouped.setdefault(op.path, {})[op.method.lower()] = (vs, op)
        routes = [self._compile(t, ops) for t, ops in grouped.items()]
        # literal segments win over parameters (`/job/submit` before `/job/{job_id}`), like any router
        routes.sort(key=lambda r: (len(r.params), -len(r.template)))
        self.routes = routes

    @property
    def routes(self) -> list[Route]:
        return self._routes

    @routes.setter
    def routes(self, routes: list[Route]) -> None:
        """Routes in match order, and an index by a path's first three segments (`/slurm/v0.0.44/job`):
        trying all ~300 patterns was a third of what a `ping` cost. A route with a parameter there (none
        in today's documents) is tried for every path, in its place in the order."""
        self._routes = list(routes)
        wild = {id(r) for r in self._routes if _head(r.template.rstrip("/")) is None}
        heads = {_head(r.template.rstrip("/")) for r in self._routes} - {None}
        self._wild = [r for r in self._routes if id(r) in wild]
        self._index = {h: [r for r in self._routes if id(r) in wild or _head(r.template.rstrip("/")) == h]
                       for h in heads}

    @staticmethod
    def _compile(template: str, operations: dict) -> Route:
        params = tuple(re.findall(r"{([^}/]+)}", template))
        pattern = ""
        for part in re.split(r"({[^}/]+})", template.rstrip("/")):
            pattern += "([^/]+)" if part.startswith("{") else re.escape(part)
        return Route(template, re.compile(pattern + "/?"), params, operations)

    def match(self, path: str, method: str) -> Match | None:
        """The first route whose path and method match. A literal segment shadows a `{param}` one only for
        its own methods: `GET job/submit` is `GET job/{job_id}` with the id "submit", as slurmrestd routes
        it (real 25.11.7: 422 from op_handler_job). A path known without the method: op None (404)."""
        return self.first(self._index.get(_head(path), self._wild), path, method)

    def first(self, routes, path: str, method: str) -> Match | None:
        """`match` over `routes` (in match order): the index hands it the routes a path can match."""
        known = None
        for route in routes:
            m = route.regex.fullmatch(path)
            if not m:
                continue
            found = self._matched(route, m, method)
            if found.operation is not None:
                return found
            known = known or found
        return known

    @staticmethod
    def _matched(route: Route, m: re.Match, method: str) -> Match:
        params = dict(zip(route.params, m.groups()))
        # connexion only needs to find the operation; the values themselves (which may hold a newline
        # or anything else a client sends) travel in `params`, so its router sees a plain stand-in
        spelled = route.template
        for name in params:
            spelled = spelled.replace("{" + name + "}", "_")
        vs, op = route.operations.get(method.lower(), (None, None))
        return Match(route, spelled, params, vs, op)


def _head(path: str) -> tuple | None:
    """The first three segments of a path or template (None if it has fewer, or a parameter among them)."""
    parts = path.split("/", 4)
    if len(parts) < 4 or parts[0] or any("{" in p for p in parts[1:4]):
        return None
    return tuple(parts[1:4])
