"""`mockrestd serve | token | specs`: the command line, shaped like slurmrestd and `scontrol token`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdecimal():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return (host or "127.0.0.1").strip("[]"), int(port)


def _serve(args) -> int:
    import socket

    import uvicorn

    from .http.app import build_site, create_app, tune_gc
    from .specs.validation import InvalidSpecs

    started = time.perf_counter()
    host, port = args.listen
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)      # listening before the specs load: `serve &` then `curl` waits, is not refused
    except OSError as e:
        print(f"mockrestd serve: cannot listen on {host}:{port}: {e.strerror}", file=sys.stderr)
        return 1
    site = build_site(specs_dir=args.specs, cluster_file=args.cluster, jwt_key=args.jwt_key or _default_key(),
                      jwks=args.jwks, speed=args.speed, profile=args.profile, strict_users=args.strict_users or None,
                      execute=args.execute or None, no_accounting=args.no_accounting, state_dir=args.state_dir)
    refused = _execute_refusal(site, args, host)
    if refused:
        print(f"mockrestd serve: {refused}", file=sys.stderr)
        site.close()
        return 2
    try:
        app = create_app(site, lazy=True)
    except InvalidSpecs as e:
        print(f"mockrestd serve: {e}", file=sys.stderr)
        return 1
    log = logging.getLogger("mockrestd")
    for line in site.specs.skipped:     # another release's documents in the folder are no news to the user
        (log.info if "not served by" in line else log.warning)("specs: skipped %s", line)
    _banner(site, args, host, sock.getsockname()[1], time.perf_counter() - started)
    tune_gc()
    app.app.warm()             # connexion (for everything but GETs) is built beside the first answers
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False, date_header=False,
                            lifespan="off", ws="none", timeout_graceful_shutdown=30)  # (slurmrestd has no websockets)
    try:
        _server(config).run(sockets=[sock])
    finally:
        if site.store is not None:     # after the last answer: the journal folded into one state file
            site.store.close(site.cluster)
        site.close()          # execute mode: no job's processes outlive the server
    return 0


def _server(config):
    import signal

    import uvicorn

    class Server(uvicorn.Server):
        """SIGTERM is the normal way to stop a daemon: in-flight requests are answered (uvicorn's graceful
        shutdown), the state is written, and the exit status is 0, where uvicorn would raise SIGTERM again
        once it has stopped and die of it, skipping the state write."""

        def handle_exit(self, sig, frame):
            super().handle_exit(sig, frame)
            if sig == signal.SIGTERM and sig in self._captured_signals:
                self._captured_signals.remove(sig)
    return Server(config)


def _execute_refusal(site, args, host: str) -> str:
    """Why execute mode may not start as asked ("" if it may): it runs on real time, and it runs what any
    token holder submits, so it listens on loopback unless told otherwise."""
    if site.execution is None:
        return ""
    if site.store is not None:
        return "--execute with a state directory is refused: the jobs' processes would not survive a restart"
    if args.speed != 1:
        return f"--execute runs jobs on real time: --speed {args.speed:g} is refused (leave it at 1)"
    import ipaddress
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not args.execute_allow_remote:
        return (f"--execute on {host} would run any token holder's scripts on this machine; listen on "
                f"127.0.0.1, or add --execute-allow-remote")
    return ""


def _default_key() -> str:
    """The shared key; `serve &` and `token` started together may both make it: the loser uses the file."""
    from .auth import default_key_path
    try:
        return str(default_key_path())
    except FileExistsError:
        time.sleep(0.1)
        return str(default_key_path())


def _banner(site, args, host, port, took) -> None:
    """What a user needs to start: where it listens, what it serves, the key, a token to paste."""
    from .auth import default_key_path, mint_token

    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    versions = list(site.specs.versions)
    lines = [f"mockrestd: Slurm {site.profile.release} profile, {' '.join(versions)} on {url} "
             f"(cluster {site.cluster.name!r}, speed {args.speed:g}, ready in {took:.1f} s)"]
    if site.execution is not None:
        import getpass
        lines.append(f"  EXECUTE MODE: batch scripts really run on this machine as {getpass.getuser()!r}")
    key = site.keyring.hs256_key
    if key is not None:
        lines.append(f"  HS256 key: {args.jwt_key or default_key_path()}  (`mockrestd token` signs with it)")
        token = mint_token(key, "alice", 86400, now=site.cluster.clock.now())
        lines.append(f"  export SLURM_JWT={token}   # alice, 1 day")
    if args.jwks:
        lines.append(f"  RS256 keys: {args.jwks}")
    lines.append(f"  try: curl -H \"X-SLURM-USER-TOKEN: $SLURM_JWT\" {url}/slurm/{versions[-1]}/ping/   "
                 f"(cluster view: {url}/ui)")
    print("\n".join(lines), flush=True)


def _token(args) -> int:
    from .auth import mint_token

    fields = {}
    for item in args.fields:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"mockrestd token: expected key=value, got {item!r}", file=sys.stderr)
            return 2
        fields[key.lower()] = value
    user = fields.get("username")
    if not user:
        import getpass
        user = getpass.getuser()
    try:
        lifespan = int(fields.get("lifespan", 1800))
    except ValueError:
        print("mockrestd token: lifespan must be a number of seconds", file=sys.stderr)
        return 2
    key_path = args.jwt_key or _default_key()
    try:
        with open(key_path, "rb") as f:
            key = f.read()
    except OSError as e:
        print(f"mockrestd token: cannot read the key {key_path}: {e.strerror}", file=sys.stderr)
        return 1
    if not key:
        print(f"mockrestd token: the key {key_path} is empty", file=sys.stderr)
        return 1
    print(f"SLURM_JWT={mint_token(key, user, lifespan)}")
    return 0


def _specs(args) -> int:
    from .specs import default_specs_dir, load_specs, sync

    if args.specs_cmd == "sync":
        dest = args.to or default_specs_dir(for_writing=True)
        report = sync(args.source, dest, token=args.token)
        print(report)
        ok = getattr(report, "ok", True)
        if report.written or report.unchanged or report.unknown:
            ok = _prepare_serve(dest) and ok
        return 0 if ok else 1
    spec_set = load_specs(args.dir or default_specs_dir())
    for version, vs in spec_set.versions.items():
        print(f"{version}  Slurm {vs.release}  {len(vs.operations)} operations  ({vs.source_file})")
    for line in spec_set.skipped:
        print(f"skipped: {line}")
    return 0


def _prepare_serve(folder) -> bool:
    """Do now, once, what the first `serve` from `folder` would otherwise do at start-up: normalise the
    documents it serves (cached by sha256) and have connexion check the document it routes (its digest is
    recorded when it passes; see mockrestd/specs/validation.py). False, with the reason, if it is refused."""
    from .http.app import _connexion_document, _document_label, served_specs
    from .specs.validation import InvalidSpecs, check

    started = time.perf_counter()
    _folder, specs, profile = served_specs(folder)
    if not specs.versions:
        print(f"serve: no usable spec documents in {folder}")
        return False
    try:
        checked = check(_connexion_document(specs), label=_document_label(specs))
    except InvalidSpecs as e:
        print(f"serve: REFUSED {e}")
        return False
    print(f"serve: Slurm {profile.release} profile, {' '.join(specs.versions)}: valid OpenAPI "
          f"({'checked' if checked else 'checked before'}; {time.perf_counter() - started:.1f} s), ready to serve")
    return True


def _wait(args) -> int:
    """Block until a mock answers (like `localstack wait`): what a script puts after `serve &` instead of a
    guessed sleep. The control API's status needs no token; any slurmrestd answers its root with something."""
    import httpx

    base = args.url if "://" in args.url else f"http://{args.url}"
    deadline = time.monotonic() + args.timeout
    while True:
        try:
            r = httpx.get(base.rstrip("/") + "/mockrestd/v1/status", timeout=1)
            if r.status_code < 500:
                return 0
        except httpx.HTTPError:
            pass
        if time.monotonic() >= deadline:
            print(f"mockrestd wait: nothing answers on {base} after {args.timeout:g} s", file=sys.stderr)
            return 1
        time.sleep(0.05)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="mockrestd", description="A mock slurmrestd for client development "
                                     "and contract tests.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v: one line per request")
    # -v is also taken after the sub-command (`mockrestd serve -v`), counted apart so both places add up
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", dest="verbose_sub", action="count", default=0,
                         help="-v: one line per request; -vv: connexion's own log too")
    sub = parser.add_subparsers(dest="cmd", required=True)

    serve = sub.add_parser("serve", parents=[verbose], help="run the mock slurmrestd")
    # like slurmrestd, SLURMRESTD_LISTEN (a comma list; the first address is taken) sets the default address
    listen = (os.environ.get("SLURMRESTD_LISTEN") or "127.0.0.1:6820").split(",")[0].strip()
    serve.add_argument("listen", nargs="?", default=listen, type=_hostport, metavar="HOST:PORT",
                       help="where to listen (default $SLURMRESTD_LISTEN or 127.0.0.1:6820)")
    serve.add_argument("--jwt-key", help="HS256 key file (raw bytes, like Slurm's jwt_hs256.key)")
    serve.add_argument("--jwks", help="JWKS file with RS256 public keys")
    serve.add_argument("--cluster", help="cluster file (TOML or YAML); default: the embedded cluster")
    serve.add_argument("--specs", help="folder of generated OpenAPI specs")
    serve.add_argument("--speed", type=float, default=1.0, help="run the clock N times faster")
    serve.add_argument("--profile", help="Slurm release whose behaviour to reproduce (e.g. 25.11, 26.05)")
    serve.add_argument("--strict-users", action="store_true", help="reject unknown user names like real Slurm")
    serve.add_argument("--execute", action="store_true",
                       help="really run batch scripts on this machine, as this user (see README: Execute mode)")
    serve.add_argument("--execute-allow-remote", action="store_true",
                       help="with --execute, allow listening on an address other than loopback")
    serve.add_argument("--state-dir", metavar="DIR",
                       help="keep the cluster in DIR: reloaded at start, every answered change on disk first")
    serve.add_argument("--no-accounting", action="store_true",
                       help="no slurmdbd: /slurmdb/ answers 404 and no account, QOS or limit is enforced")
    serve.set_defaults(func=_serve)

    wait = sub.add_parser("wait", help="wait until a mock answers on HOST:PORT (after `serve &`)")
    wait.add_argument("url", nargs="?", default=listen, metavar="HOST:PORT",
                      help="default: where `serve` listens ($SLURMRESTD_LISTEN or 127.0.0.1:6820)")
    wait.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds (exit 1)")
    wait.set_defaults(func=_wait)

    token = sub.add_parser("token", parents=[verbose], help="print SLURM_JWT=<token>, like `scontrol token`")
    token.add_argument("fields", nargs="*", metavar="username=NAME|lifespan=SECONDS")
    token.add_argument("--jwt-key", help="HS256 key file (default: the one `serve` uses)")
    token.set_defaults(func=_token)

    specs = sub.add_parser("specs", help="get and list the OpenAPI spec documents")
    specs_sub = specs.add_subparsers(dest="specs_cmd", required=True)
    sync_p = specs_sub.add_parser("sync", parents=[verbose],
                                  help="copy/fetch specs and verify them against specs/manifest.json")
    sync_p.add_argument("--from", dest="source", help="folder, URL, or a live slurmrestd's URL (default: upstream)")
    sync_p.add_argument("--to", help="destination folder (default: the specs folder serve uses)")
    sync_p.add_argument("--token", help="token for a live slurmrestd's /openapi/v3")
    list_p = specs_sub.add_parser("list", parents=[verbose], help="list the versions a folder serves")
    list_p.add_argument("dir", nargs="?")
    specs.set_defaults(func=_specs)

    args = parser.parse_args(argv)
    args.verbose += getattr(args, "verbose_sub", 0)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s")
    if args.verbose < 2:
        logging.getLogger("connexion").setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
