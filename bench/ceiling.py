"""The ceiling of the server stack: a bare ASGI app under the same uvicorn settings as `mockrestd serve`,
answering each path with bytes the mock sent for it (read from a folder: `<n>.path` names the path,
`<n>.body` holds the bytes). Whatever the mock costs beyond this is the mock's own work.

  python -m bench.ceiling PORT FOLDER"""

from __future__ import annotations

import sys
from pathlib import Path


def load(folder: Path) -> dict[str, bytes]:
    return {p.read_text(): p.with_suffix(".body").read_bytes() for p in sorted(folder.glob("*.path"))}


def make_app(bodies: dict[str, bytes]):
    heads = {path: [(b"content-length", str(len(b)).encode()), (b"content-type", b"application/json")]
             for path, b in bodies.items()}

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope["path"]
        body = bodies.get(path, b"")
        await send({"type": "http.response.start", "status": 200 if path in bodies else 404,
                    "headers": heads.get(path, [(b"content-length", b"0")])})
        await send({"type": "http.response.body", "body": body})
    return app


def main() -> None:
    import uvicorn
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    # the settings of mockrestd/cli.py's _serve
    config = uvicorn.Config(make_app(load(folder)), host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, server_header=False, date_header=False, lifespan="off", ws="none")
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
