"""Put the spec documents in place: fetch them from upstream, copy from a folder, download from a URL, or ask
a live slurmrestd.

The documents are third-party data, so the project commits only their checksums (`specs/manifest.json`);
whatever is fetched is checked against it: a known file with a wrong checksum is refused (never written),
and a document a live daemon serves that the manifest does not know is written and reported as such.
With no source, each manifest entry that records an `upstream` (repository, commit, path) is fetched from
that repository at that very commit (`$MOCKRESTD_SPECS_UPSTREAM` replaces the raw-file host, e.g. with a
mirror or a test server); documents captured from live daemons have no upstream and are listed as such."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .cache import state_dir as _state_dir

PACKAGE = Path(__file__).resolve().parents[1]          # .../mockrestd
REPO = PACKAGE.parent                                   # the source checkout (or site-packages when installed)
MANIFEST = Path(__file__).resolve().parent / "manifest.json"   # packaged copy of <repo>/specs/manifest.json
_SPEC_NAME = re.compile(r"^slurm-.*\.json$")
UPSTREAM_ENV = "MOCKRESTD_SPECS_UPSTREAM"
DEFAULT_UPSTREAM = "https://raw.githubusercontent.com"    # serves <owner>/<repo>/<commit>/<path>
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def read_manifest(path: Path | None = None) -> dict:
    """The manifest at `path`, else the checkout's `specs/manifest.json`, else the packaged copy."""
    for candidate in ([Path(path)] if path else [REPO / "specs" / "manifest.json", MANIFEST]):
        if candidate.is_file():
            return json.loads(candidate.read_text())
    return {"files": []}


def _has_specs(d: Path) -> bool:
    return d.is_dir() and any(p.name != "manifest.json" for p in d.glob("*.json"))


def default_specs_dir(for_writing: bool = False) -> Path:
    """Where `serve` looks for specs: `$MOCKRESTD_SPECS`; else the checkout's `specs/` if it holds spec
    files; else `../shared/specs` beside the checkout; else `$XDG_STATE_HOME/mockrestd/specs`.
    `for_writing` (where `specs sync` puts them): `$MOCKRESTD_SPECS`, the checkout's `specs/`, the state dir."""
    if os.environ.get("MOCKRESTD_SPECS"):
        return Path(os.environ["MOCKRESTD_SPECS"])
    repo_specs = REPO / "specs"
    checkout = (REPO / "pyproject.toml").is_file()
    if checkout and (_has_specs(repo_specs) or (for_writing and repo_specs.is_dir())):
        return repo_specs
    shared = REPO.parent / "shared" / "specs"
    if not for_writing and checkout and shared.is_dir():
        return shared
    return _state_dir() / "specs"


@dataclass
class SyncReport:
    dest: str = ""
    written: list = field(default_factory=list)     # verified against the manifest and written
    unchanged: list = field(default_factory=list)   # already there, same bytes
    unknown: list = field(default_factory=list)     # written, but the manifest does not know them
    refused: list = field(default_factory=list)     # "name: reason" (checksum mismatch): not written
    errors: list = field(default_factory=list)      # fetch failures and the like
    skipped: list = field(default_factory=list)     # "name: why" (no upstream to fetch it from): not an error

    @property
    def ok(self) -> bool:
        return not self.refused and not self.errors and bool(self.written or self.unchanged or self.unknown)

    def __str__(self) -> str:
        lines = [f"specs in {self.dest}:"]
        lines += [f"  written    {n}" for n in self.written]
        lines += [f"  unchanged  {n}" for n in self.unchanged]
        lines += [f"  written    {n}: {_UNKNOWN}" for n in self.unknown]
        lines += [f"  REFUSED    {n}" for n in self.refused]
        lines += [f"  ERROR      {n}" for n in self.errors]
        lines += [f"  skipped    {n}" for n in self.skipped]
        if not (self.written or self.unchanged or self.unknown or self.refused or self.errors or self.skipped):
            lines.append("  nothing found to sync")
        return "\n".join(lines)


_UNKNOWN = "not in manifest (live document)"


class _Place:
    """Checks one document against the manifest and writes it (atomically) if allowed."""

    def __init__(self, dest: Path, manifest: dict, report: SyncReport):
        self.dest, self.report = dest, report
        entries = [e for e in manifest.get("files", []) if isinstance(e, dict) and e.get("file")]
        self.by_name = {e["file"]: e for e in entries}
        self.by_sha = {e["sha256"]: e for e in entries if e.get("sha256")}

    def __call__(self, name: str, data: bytes, *, live: bool = False) -> None:
        checked = self.check(name, data, live=live)
        if checked is not None:
            self.write(*checked, data)

    def check(self, name: str, data: bytes, *, live: bool = False):
        """(name, entry) to write `data` as, or None (refused, and reported) when its checksum is not the
        manifest's for that name."""
        digest = hashlib.sha256(data).hexdigest()
        entry = self.by_name.get(name)
        if entry is None and digest in self.by_sha:     # a known document under another name: use the known one
            entry = self.by_sha[digest]
            name = entry["file"]
        if entry is not None and entry.get("sha256") != digest:
            hint = " (another build of this release? pass another release name)" if live else ""
            self.report.refused.append(
                f"{name}: sha256 {digest} does not match the manifest's {entry.get('sha256')} "
                f"({len(data)} bytes, manifest says {entry.get('bytes')}); not written{hint}")
            return None
        return name, entry

    def write(self, name: str, entry, data: bytes) -> None:
        target = self.dest / name
        if target.is_file() and target.read_bytes() == data:
            self.report.unchanged.append(name)
            return
        self.dest.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        (self.report.written if entry is not None else self.report.unknown).append(name)


def sync(source=None, dest_dir=None, manifest_path=None, *, token: str | None = None, user: str | None = None,
         release: str | None = None, client=None, upstream: str | None = None) -> SyncReport:
    """Copy/fetch spec documents from `source` into `dest_dir` (default: `default_specs_dir(for_writing=True)`),
    verified against the manifest. Idempotent; never raises for a bad source (see `SyncReport.errors`).

    `source`: None (the default) fetches every manifest entry from its `upstream` at its pinned commit, from
    `upstream` (a base URL; default `$MOCKRESTD_SPECS_UPSTREAM`, else raw.githubusercontent.com), and writes
    them only if every one fetched and verified; a folder (its `slurm-*.json` and manifest-listed files are copied), an http(s) URL of one
    `.json` file, an http(s) URL of a folder (the manifest's file names are fetched from it), or the base URL
    of a live slurmrestd (its `/openapi/v3` is stored as `slurm-<release>-openapi-v3.json`; `token`/`user`
    are sent as `X-SLURM-USER-TOKEN`/`X-SLURM-USER-NAME`; `release` names the file when the document does
    not say). `client`: an `httpx.Client` to use (tests pass one with a MockTransport)."""
    dest = Path(dest_dir) if dest_dir else default_specs_dir(for_writing=True)
    report = SyncReport(dest=str(dest))
    try:
        manifest = read_manifest(Path(manifest_path) if manifest_path else None)
    except (OSError, ValueError) as e:
        report.errors.append(f"manifest {manifest_path}: {e}")
        return report
    if source is not None:
        dest.mkdir(parents=True, exist_ok=True)
    place = _Place(dest, manifest, report)
    if source is None:
        _sync_upstream(place, report, base=upstream, client=client)
    elif re.match(r"^https?://", str(source)):
        _sync_url(str(source), place, report, token=token, user=user, release=release, client=client)
    else:
        _sync_folder(Path(source), place, report)
    return report


def upstream_base(base: str | None = None) -> str:
    return (base or os.environ.get(UPSTREAM_ENV) or DEFAULT_UPSTREAM).rstrip("/")


def upstream_url(entry: dict, base: str | None = None) -> str | None:
    """Where the entry's document lives upstream, pinned to its commit; None if it has no (pinned) upstream."""
    up = entry.get("upstream")
    if not isinstance(up, dict) or not _COMMIT.match(str(up.get("commit", ""))) or not up.get("repo") \
            or not up.get("path"):
        return None
    return f"{upstream_base(base)}/{up['repo']}/{up['commit']}/{up['path']}"


def _sync_upstream(place: _Place, report: SyncReport, *, base, client) -> None:
    """Every document fetched and checked first; written only when none failed, so a tampered or broken
    upstream leaves the folder as it was."""
    import httpx

    http = client or httpx.Client(timeout=60, follow_redirects=True)
    try:
        fetched = _fetch_upstream(http, place, report, base)
    finally:
        if client is None:
            http.close()
    if report.refused or report.errors:
        report.errors.append(f"nothing written to {place.dest}: every upstream document must fetch and verify")
        return
    for (name, entry), data in fetched:
        place.write(name, entry, data)


def _fetch_upstream(http, place: _Place, report: SyncReport, base) -> list:
    import httpx

    fetched = []
    for entry in place.by_name.values():
        name, url = entry["file"], upstream_url(entry, base)
        if url is None:
            report.skipped.append(f"{name}: no upstream in the manifest (captured from a live slurmrestd; "
                                  f"`mockrestd specs sync --from URL-of-a-slurmrestd --token ...` gets one)")
            continue
        try:
            r = http.get(url)
        except httpx.HTTPError as e:
            report.errors.append(f"{name}: {url}: {type(e).__name__}: {e}")
            continue
        if r.status_code != 200:
            report.errors.append(f"{name}: {url}: HTTP {r.status_code}")
            continue
        checked = place.check(name, r.content)
        if checked is not None:
            fetched.append((checked, r.content))
    return fetched


def _sync_folder(src: Path, place: _Place, report: SyncReport) -> None:
    if src.is_file():
        place(src.name, src.read_bytes())
        return
    if not src.is_dir():
        report.errors.append(f"{src}: no such file or folder")
        return
    for path in sorted(src.glob("*.json")):
        if path.name == "manifest.json" or not (path.name in place.by_name or _SPEC_NAME.match(path.name)):
            continue
        if path.resolve() == (place.dest / path.name).resolve():
            report.unchanged.append(path.name)      # syncing a folder onto itself
            continue
        place(path.name, path.read_bytes())


def _sync_url(url: str, place: _Place, report: SyncReport, *, token, user, release, client) -> None:
    import httpx

    http = client or httpx.Client(timeout=60, follow_redirects=True)
    headers = {}
    if token:
        headers["X-SLURM-USER-TOKEN"] = token
    if user:
        headers["X-SLURM-USER-NAME"] = user     # 22.05 needs the user name beside the token
    base = url.rstrip("/")
    try:
        if base.endswith(".json") and not base.endswith("/openapi.json"):
            r = http.get(url, headers=headers)
            if r.status_code != 200:
                report.errors.append(f"{url}: HTTP {r.status_code}")
                return
            place(base.rsplit("/", 1)[-1], r.content)
            return
        # a live slurmrestd answers /openapi/v3; a static folder does not
        live_url = base if re.search(r"/openapi(/v3|\.json)?$", base) else f"{base}/openapi/v3"
        r = http.get(live_url, headers=headers)
        if r.status_code == 200 and _is_openapi(r.content):
            _place_live(r.content, place, report, release)
            return
        if r.status_code in (401, 403) and not token:
            report.errors.append(f"{live_url}: HTTP {r.status_code}: a live slurmrestd needs a token (--token)")
            return
        found = False
        for name in place.by_name:
            rr = http.get(f"{base}/{name}", headers=headers)
            if rr.status_code == 200:
                found = True
                place(name, rr.content)
        if not found:
            report.errors.append(f"{url}: neither a slurmrestd ({live_url}: HTTP {r.status_code}) nor a folder "
                                 f"holding any file the manifest lists")
    except httpx.HTTPError as e:
        report.errors.append(f"{url}: {type(e).__name__}: {e}")


def _is_openapi(data: bytes) -> bool:
    try:
        doc = json.loads(data)
    except ValueError:
        return False
    return isinstance(doc, dict) and "openapi" in doc and isinstance(doc.get("paths"), dict)


def _place_live(data: bytes, place: _Place, report: SyncReport, release: str | None) -> None:
    digest = hashlib.sha256(data).hexdigest()
    known = place.by_sha.get(digest)
    if known:
        place(known["file"], data, live=True)
        return
    doc = json.loads(data)
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    found = (info.get("x-slurm") or {}).get("release") if isinstance(info.get("x-slurm"), dict) else None
    if not found:
        m = re.search(r"Slurm-(\d+\.\d+\.\d+)", str(info.get("version", "")))
        found = m.group(1) if m else None
    release = found or release
    if not release or not re.fullmatch(r"[0-9A-Za-z._-]+", release):
        report.errors.append("live /openapi/v3 does not say its Slurm release (22.05 says only "
                             f"{info.get('version')!r}); give it, e.g. release='22.05.8'")
        return
    place(f"slurm-{release}-openapi-v3.json", data, live=True)
