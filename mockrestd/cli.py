"""`mockrestd serve | token | specs`: the command line, shaped like slurmrestd and `scontrol token`."""

from __future__ import annotations

import argparse
import logging
import sys
import time


def _hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not port.isdecimal():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return (host or "127.0.0.1").strip("[]"), int(port)


def _serve(args) -> int:
    import uvicorn

    from .http.app import build_site, create_app
    from .specs.validation import InvalidSpecs

    started = time.perf_counter()
    site = build_site(specs_dir=args.specs, cluster_file=args.cluster, jwt_key=args.jwt_key, jwks=args.jwks,
                      speed=args.speed, profile=args.profile, strict_users=args.strict_users or None,
                      no_accounting=args.no_accounting)
    try:
        app = create_app(site)
    except InvalidSpecs as e:
        print(f"mockrestd serve: {e}", file=sys.stderr)
        return 1
    log = logging.getLogger("mockrestd")
    for line in site.specs.skipped:
        log.warning("specs: skipped %s", line)
    host, port = args.listen
    log.warning("mockrestd: Slurm %s profile, serving %s on http://%s:%d (cluster %r, ready in %.2f s)",
                site.profile.release, " ".join(site.specs.versions), host, port, site.cluster.name,
                time.perf_counter() - started)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, server_header=False,
                date_header=False, lifespan="off", ws="none")      # (slurmrestd has no websockets)
    return 0


def _token(args) -> int:
    from .auth import default_key_path, mint_token

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
    key_path = args.jwt_key or default_key_path()
    with open(key_path, "rb") as f:
        key = f.read()
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="mockrestd", description="A mock slurmrestd for client development "
                                     "and contract tests.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v: one line per request")
    sub = parser.add_subparsers(dest="cmd", required=True)

    serve = sub.add_parser("serve", help="run the mock slurmrestd")
    serve.add_argument("listen", nargs="?", default="127.0.0.1:6820", type=_hostport, metavar="HOST:PORT")
    serve.add_argument("--jwt-key", help="HS256 key file (raw bytes, like Slurm's jwt_hs256.key)")
    serve.add_argument("--jwks", help="JWKS file with RS256 public keys")
    serve.add_argument("--cluster", help="cluster file (TOML or YAML); default: the embedded cluster")
    serve.add_argument("--specs", help="folder of generated OpenAPI specs")
    serve.add_argument("--speed", type=float, default=1.0, help="run the clock N times faster")
    serve.add_argument("--profile", help="Slurm release whose behaviour to reproduce (e.g. 25.11, 26.05)")
    serve.add_argument("--strict-users", action="store_true", help="reject unknown user names like real Slurm")
    serve.add_argument("--no-accounting", action="store_true",
                       help="no slurmdbd: /slurmdb/ answers 404 and no account, QOS or limit is enforced")
    serve.set_defaults(func=_serve)

    token = sub.add_parser("token", help="print SLURM_JWT=<token>, like `scontrol token`")
    token.add_argument("fields", nargs="*", metavar="username=NAME|lifespan=SECONDS")
    token.add_argument("--jwt-key", help="HS256 key file (default: the one `serve` uses)")
    token.set_defaults(func=_token)

    specs = sub.add_parser("specs", help="get and list the OpenAPI spec documents")
    specs_sub = specs.add_subparsers(dest="specs_cmd", required=True)
    sync_p = specs_sub.add_parser("sync", help="copy/fetch specs and verify them against specs/manifest.json")
    sync_p.add_argument("--from", dest="source", required=True, help="folder, URL, or a live slurmrestd's URL")
    sync_p.add_argument("--to", help="destination folder (default: the specs folder serve uses)")
    sync_p.add_argument("--token", help="token for a live slurmrestd's /openapi/v3")
    list_p = specs_sub.add_parser("list", help="list the versions a folder serves")
    list_p.add_argument("dir", nargs="?")
    specs.set_defaults(func=_specs)

    args = parser.parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s: %(message)s")
    if args.verbose < 2:
        logging.getLogger("connexion").setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
