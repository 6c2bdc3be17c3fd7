"""Handlers of the control API (`/mockrestd/v1`, spec in api.yaml), routed by connexion like the Slurm API."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from connexion.resolver import Resolver
from starlette.responses import Response

SPEC = Path(__file__).with_name("api.yaml")


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data).encode(), status_code=status, media_type="application/json")


def _problem(text: str, status: int = 400) -> Response:
    return _json({"error": text}, status)


class Control:
    """The operations, bound to one running site."""

    def __init__(self, site):
        self.site = site
        self._initial = getattr(site, "initial_cluster", site.cluster).snapshot()

    @property
    def cluster(self):
        return self.site.cluster

    def _replace(self, cluster):
        if self.site.execution is not None:     # the running jobs' processes go with the old cluster
            self.site.execution.attach(cluster)
        self.site.cluster = cluster

    async def status(self):
        c = self.cluster
        return _json({
            "versions": list(self.site.specs.versions), "profile": self.site.profile.release,
            "cluster": c.name, "clock": _clock(c.clock), "jobs": len(c.job_records()),
            "execute": self.site.execution is not None,
            "nodes": len(c.node_records()), "skipped_specs": list(self.site.specs.skipped),
        })

    async def view(self):
        from .view import build
        return _json(build(self.site))

    async def reset(self):
        from ..engine import Cluster
        self._replace(Cluster.restore(self._initial, clock=self.cluster.clock))
        return _json({"reset": True})

    async def load_cluster(self, body=None):
        from ..engine import Cluster
        # connexion has read the body already (bytes for text/plain, a dict for JSON): reading it again blocks
        if isinstance(body, (bytes, bytearray)):
            text = bytes(body).decode("utf-8", "replace")
        elif isinstance(body, str):
            text = body
        else:
            text = json.dumps(body or {})
        suffix = ".json"
        if not text.lstrip().startswith("{"):
            suffix = ".toml" if "[" in text and "=" in text else ".yaml"
        try:
            with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False) as f:
                f.write(text)
            cluster = Cluster.from_file(f.name, clock=self.cluster.clock)
        except Exception as e:  # noqa: BLE001 - any parse problem is the caller's input
            return _problem(f"not a valid cluster file: {e}")
        finally:
            Path(f.name).unlink(missing_ok=True)
        self._replace(cluster)
        self._initial = cluster.snapshot()
        return _json({"loaded": cluster.name, "nodes": len(cluster.node_records())})

    async def get_snapshot(self):
        return _json(self.cluster.snapshot())

    async def load_snapshot(self, body):
        from ..engine import Cluster
        try:
            cluster = Cluster.restore(body, clock=self.cluster.clock)
        except Exception as e:  # noqa: BLE001
            return _problem(f"not a snapshot: {e}")
        self._replace(cluster)
        return _json({"restored": True, "jobs": len(cluster.job_records())})

    async def get_clock(self):
        return _json(_clock(self.cluster.clock))

    async def set_clock(self, body):
        try:
            return self._set_clock(body)
        except (TypeError, ValueError, AttributeError) as e:
            return _problem(f"bad clock request: {e}")

    def _set_clock(self, body):
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        clock = self.cluster.clock
        if self.site.execution is not None and (body.get("freeze") or body.get("advance") or "set" in body or
                                                float(body.get("speed", 1)) != 1):
            return _problem("execute mode runs on real time: the clock cannot be frozen, set, advanced or "
                            "sped up", 409)
        if "freeze" in body:
            clock.freeze() if body["freeze"] else clock.unfreeze()
        if "speed" in body:
            clock.speed = float(body["speed"])
        if "set" in body:
            clock.set(float(body["set"]))
        if "advance" in body:
            clock.advance(float(body["advance"]))
        return _json(_clock(clock))

    async def get_faults(self):
        return _json({"faults": self.site.faults.list()})

    async def add_fault(self, body):
        if isinstance(body, dict) and body.get("kind") == "node_fail":     # an event, not a standing fault
            from ..errors import SlurmError
            try:
                jobs = self.cluster.fail_node(str(body.get("node") or ""))
            except SlurmError as e:
                return _problem(e.description or str(e))
            return _json({"node_fail": body["node"], "jobs": jobs})
        try:
            fault = self.site.faults.add(**body)
        except (TypeError, ValueError) as e:
            return _problem(str(e))
        return _json({"id": fault.id, "fault": self.site.faults.list()[-1]})

    async def clear_faults(self):
        self.site.faults.remove()
        return _json({"faults": []})

    async def remove_fault(self, fault_id):
        self.site.faults.remove(int(fault_id))
        return _json({"faults": self.site.faults.list()})

    async def get_journal(self):
        return _json({"requests": list(self.site.journal)})

    async def clear_journal(self):
        self.site.journal.clear()
        return _json({"requests": []})

    async def make_token(self, body):
        from ..auth import mint_token
        if self.site.keyring.hs256_key is None:
            return _problem("the server checks RS256 tokens only; it cannot mint them", 409)
        # wall time, like `scontrol token`: the gate checks `exp` against wall time at any --speed
        token = mint_token(self.site.keyring.hs256_key, body["username"], int(body.get("lifespan", 1800)))
        return _json({"token": token, "username": body["username"]})


def _clock(clock) -> dict:
    return {"now": clock.now(), "speed": getattr(clock, "speed", 1.0), "frozen": getattr(clock, "frozen", False)}


class _ControlResolver(Resolver):
    def __init__(self, control):
        super().__init__()
        self.control = control

    def resolve_function_from_operation_id(self, operation_id):
        return getattr(self.control, operation_id)


def install(app, site) -> Control:
    from connexion.options import SwaggerUIOptions
    from . import docs
    control = Control(site)
    # connexion's own Swagger UI is off (it would mount one per API, at /ui/); ours is docs.py's
    app.add_api(SPEC, resolver=_ControlResolver(control), name="mockrestd-control",
                swagger_ui_options=SwaggerUIOptions(swagger_ui=False))
    docs.install(app, site)
    site.control = control
    return control
