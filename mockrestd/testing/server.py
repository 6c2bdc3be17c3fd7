"""One running mock for a test session: on a free port (uvicorn in a thread) or in process (ASGI, no socket).

Both modes build the site exactly as `mockrestd serve` does (`build_site` + `create_app`); the engine is
lazy (it replays due events on each request from its clock), so neither mode needs a background ticker."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import httpx

DEFAULT_USER = "alice"
IN_PROCESS_URL = "http://mockrestd.invalid"      # no DNS name: only the in-process transport reaches it


@dataclass
class Settings:
    """What `serve` takes (and the plugin's options and ini keys map to)."""
    mode: str = "socket"                 # "socket" | "inprocess"
    cluster: str | None = None
    speed: float = 1.0
    versions: tuple[str, ...] = ()       # () = every version the profile serves
    profile: str | None = None
    specs: str | None = None
    user: str = DEFAULT_USER


class MockSlurmrestd:
    """A started mock: `url`, `token(user)`, `client` (httpx, as the default user), `slurm` / `slurmdb`
    (slurmrestapi, when installed), and the control API (`advance`, `freeze`, `reset`, `fault`, ...)."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings = settings or Settings()
        if settings.mode not in ("socket", "inprocess"):
            raise ValueError(f"mode must be 'socket' or 'inprocess', not {settings.mode!r}")
        started = time.perf_counter()
        self._tmp = Path(tempfile.mkdtemp(prefix="mockrestd-"))     # this session's key: no shared file
        self.key_file = self._tmp / "jwt_hs256.key"
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        self._thread = self._server = self._loop = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        self.mode = settings.mode
        self.user = settings.user
        self.client = self.http_client(settings.user)
        self._slurm = self._slurmdb = None
        self.client.get("/mockrestd/v1/status").raise_for_status()
        self.ready_in = time.perf_counter() - started

    # ---- start and stop -----------------------------------------------------------------------------------
    def _start(self) -> None:
        with warnings.catch_warnings():       # connexion's imports warn about jsonschema's deprecations:
            warnings.simplefilter("ignore", DeprecationWarning)    # not the business of the user's tests
            from ..http.app import build_site, create_app

        s = self.settings
        self.site = build_site(specs_dir=s.specs, cluster_file=s.cluster, jwt_key=str(self.key_file),
                               speed=s.speed, profile=s.profile, only_versions=set(s.versions) or None)
        self.app = create_app(self.site)
        if s.mode == "socket":
            self._start_socket()
        else:
            self._start_loop()
            self.url = IN_PROCESS_URL

    def _start_socket(self) -> None:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))          # the port is ours from here on: no race with another worker
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, server_header=False,
                                date_header=False, lifespan="off", ws="none")
        self._server = uvicorn.Server(config)
        self._sock = sock
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        name=f"mockrestd:{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("mockrestd: the server thread did not start")
            time.sleep(0.005)

    def _start_loop(self) -> None:
        """One event loop in a thread runs the app; sync httpx calls hand their request to it."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mockrestd:inprocess", daemon=True)
        self._thread.start()
        self._asgi = httpx.ASGITransport(app=self.app, client=("127.0.0.1", 40000))

    def close(self) -> None:
        """Stop the server (thread joined, socket closed) and remove the session's key."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        for api in (getattr(self, "_slurm", None), getattr(self, "_slurmdb", None)):
            if api is not None:
                api.api_client.rest_client.pool_manager.clear()
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(10)
            self._sock.close()
            self._server = None
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
            self._loop = None
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- clients --------------------------------------------------------------------------------------------
    def token(self, user: str = DEFAULT_USER, lifespan: int = 1800) -> str:
        """A token like `scontrol token username=USER lifespan=N`, valid on the mock's clock."""
        from ..auth import mint_token
        return mint_token(self.key_file.read_bytes(), user, lifespan, now=self.site.cluster.clock.now())

    def http_client(self, user: str | None = None, **kw) -> httpx.Client:
        """An httpx client on the mock; with `user`, every request carries a fresh token for that user
        (so it stays valid however far the clock is advanced)."""
        if self.settings.mode == "inprocess":
            kw.setdefault("transport", _SyncASGI(self._asgi, self._loop))
        auth = _FreshToken(self, user) if user else None
        return httpx.Client(base_url=self.url, auth=auth, timeout=kw.pop("timeout", 30), **kw)

    @property
    def slurm(self):
        """`slurmrestapi.SlurmApi` as the default user (needs `pip install slurmrestapi`)."""
        if self._slurm is None:
            import slurmrestapi
            self._slurm = slurmrestapi.SlurmApi(self.api_client())
        return self._slurm

    @property
    def slurmdb(self):
        """`slurmrestapi.SlurmdbApi` as the default user."""
        if self._slurmdb is None:
            import slurmrestapi
            self._slurmdb = slurmrestapi.SlurmdbApi(self.api_client())
        return self._slurmdb

    def api_client(self, user: str | None = None, lifespan: int = 365 * 86400):
        """A `slurmrestapi.ApiClient` configured as in SchedMD's training (`access_token` → Bearer)."""
        import slurmrestapi
        conf = slurmrestapi.Configuration(host=self.url + "/", access_token=self.token(user or self.user, lifespan))
        client = slurmrestapi.ApiClient(conf)
        if self.settings.mode == "inprocess":
            client.rest_client.pool_manager = _Urllib3OverHttpx(self.http_client())
        return client

    # ---- the control API (/mockrestd/v1, spec: mockrestd/control/api.yaml) ----------------------------------
    def _control(self, method: str, path: str, **kw) -> dict:
        r = self.client.request(method, f"/mockrestd/v1/{path}", **kw)
        if r.status_code >= 400:
            raise ControlError(f"{method} /mockrestd/v1/{path}: {r.status_code} {r.text}")
        return r.json()

    def status(self) -> dict:
        return self._control("GET", "status")

    def clock(self) -> dict:
        return self._control("GET", "clock")

    def advance(self, seconds: float) -> dict:
        """Move the mock's clock forward: jobs start, finish and time out as if `seconds` had passed."""
        return self._control("POST", "clock", json={"advance": seconds})

    def freeze(self, frozen: bool = True) -> dict:
        return self._control("POST", "clock", json={"freeze": frozen})

    def unfreeze(self) -> dict:
        return self.freeze(False)

    def speed(self, factor: float) -> dict:
        return self._control("POST", "clock", json={"speed": factor})

    def reset(self) -> None:
        """Back to the state after start-up: the cluster, no faults, an empty journal, a running clock."""
        self._control("DELETE", "faults")
        self._control("POST", "reset")
        clock = self.clock()
        # only what differs from the start-up settings (a running clock is left exactly where it is)
        change = {"freeze": False} if clock["frozen"] else {}
        if clock["speed"] != self.settings.speed:
            change["speed"] = self.settings.speed
        if change:
            self._control("POST", "clock", json=change)
        self._control("DELETE", "journal")

    def fault(self, kind: str, **fields) -> int:
        """Inject a fault (`controller_down`, `dbd_down`, `latency`, `error`); returns its id."""
        return self._control("POST", "faults", json={"kind": kind, **fields})["id"]

    def clear_faults(self, fault_id: int | None = None) -> None:
        self._control("DELETE", "faults" if fault_id is None else f"faults/{fault_id}")

    def load_cluster(self, cluster) -> dict:
        """Replace the cluster: a path to a TOML/YAML cluster file, its text, or the same as a dict."""
        if isinstance(cluster, dict):
            return self._control("POST", "cluster", json=cluster)
        text = Path(cluster).read_text() if _is_path(cluster) else str(cluster)
        return self._control("POST", "cluster", content=text.encode(), headers={"Content-Type": "text/plain"})

    def journal(self, clear: bool = False) -> list[dict]:
        """The requests the mock answered (method, path, query, status, elapsed_ms), oldest first."""
        requests = self._control("GET", "journal")["requests"]
        if clear:
            self._control("DELETE", "journal")
        return requests

    def snapshot(self) -> dict:
        return self._control("GET", "snapshot")

    def restore(self, snapshot: dict) -> dict:
        return self._control("POST", "snapshot", json=snapshot)


class ControlError(RuntimeError):
    """The control API refused a request (bad cluster file, bad clock value, ...)."""


def _is_path(value) -> bool:
    if isinstance(value, Path):
        return True
    return "\n" not in value and len(value) < 4096 and Path(value).is_file()


class _FreshToken(httpx.Auth):
    def __init__(self, mock: MockSlurmrestd, user: str):
        self.mock, self.user = mock, user

    def auth_flow(self, request):
        if "x-slurm-user-token" not in request.headers and "authorization" not in request.headers:
            request.headers["X-SLURM-USER-TOKEN"] = self.mock.token(self.user)
        yield request


class _SyncASGI(httpx.BaseTransport):
    """httpx.ASGITransport is async only: run each request on the mock's loop and wait for it."""

    def __init__(self, asgi: httpx.ASGITransport, loop: asyncio.AbstractEventLoop):
        self.asgi, self.loop = asgi, loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send():
            body = request.read()
            req = httpx.Request(request.method, request.url, headers=request.headers, content=body)
            resp = await self.asgi.handle_async_request(req)
            content = b"".join([chunk async for chunk in resp.stream])
            return resp.status_code, resp.headers, content

        status, headers, content = asyncio.run_coroutine_threadsafe(send(), self.loop).result(60)
        return httpx.Response(status, headers=headers, content=content)


class _Urllib3OverHttpx:
    """Enough of urllib3's PoolManager for slurmrestapi's rest client, sent through an httpx client
    (so the generated client reaches the in-process mock too)."""

    def __init__(self, client: httpx.Client):
        self.client = client

    def request(self, method, url, body=None, fields=None, headers=None, timeout=None, preload_content=False,
                encode_multipart=None):
        r = self.client.request(method, url, content=body, headers=headers)
        return _Urllib3Response(r)

    def clear(self):
        self.client.close()


class _Urllib3Response:
    def __init__(self, r: httpx.Response):
        self.status, self.reason, self.data, self.headers = r.status_code, r.reason_phrase, r.content, r.headers
