"""connexion checks each document once: the digests of the documents it accepted are remembered.

connexion validates every document it is given against the OpenAPI 3.0 metaschema (jsonschema), on every
start: for the four default versions that is ~1.5 s of a 2-core machine's time, always with the same
answer. The answer depends only on the document and on the validator, so it is remembered: the sha256 of
every document that passed, under the versions of connexion and jsonschema that passed it, in
`<state dir>/cache/connexion-validated.json` (`mockrestd.specs.cache`). A document whose digest is recorded
is handed to connexion without its metaschema check; any other document is checked, and recorded only if it
passes. An invalid document is refused (`InvalidSpecs`) however often it is tried. Nothing else changes:
connexion still resolves the document, routes and validates requests from it.

`mockrestd specs sync` checks the documents that `serve` will then use, so the first `serve` after a sync is
as fast as any other."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time

from . import cache

log = logging.getLogger("mockrestd.specs")

RECORD_NAME = "connexion-validated.json"
_KEEP = 64                           # digests kept in the record (the newest); older ones are checked again
_PASSED: set = set()                 # (validator, digest) checked in this process


class InvalidSpecs(ValueError):
    """connexion refuses the document built from the spec files (it is not valid OpenAPI 3.0)."""


def document_digest(doc: dict) -> str:
    """sha256 of the document as connexion gets it (canonical JSON: sorted keys, no spaces)."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def validator_id() -> str:
    """What decides the check's answer besides the document: connexion (its metaschema) and jsonschema."""
    from importlib.metadata import version
    return f"connexion {version('connexion')}; jsonschema {version('jsonschema')}"


def record_path():
    d = cache.cache_dir()
    return d / RECORD_NAME if d else None


def _read_record(path, validator: str) -> dict:
    """digest -> entry, for `validator`; empty if the record is missing, unreadable or from another one."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("validator") != validator or not isinstance(data.get("documents"), dict):
        return {}
    return data["documents"]


def is_recorded(digest: str, validator: str | None = None) -> bool:
    validator = validator or validator_id()
    return (validator, digest) in _PASSED or digest in _read_record(record_path(), validator)


def _remember(digest: str, validator: str, label: str) -> None:
    _PASSED.add((validator, digest))
    path = record_path()
    if path is None:
        return
    documents = dict(_read_record(path, validator))
    documents.pop(digest, None)
    documents[digest] = {"what": label, "checked": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    documents = dict(list(documents.items())[-_KEEP:])
    body = {"about": "sha256 of the OpenAPI documents connexion's metaschema check accepted (see "
                     "mockrestd/specs/validation.py); delete this file to have them checked again",
            "validator": validator, "documents": documents}
    cache.write_atomic(path, json.dumps(body, indent=1).encode())


def check(doc: dict, *, label: str = "") -> bool:
    """Have connexion check `doc` against the OpenAPI metaschema, unless its digest is recorded as having
    passed; record it when it passes. True if it was checked now, False if it had passed before. Raises
    InvalidSpecs, with the first problem connexion found, if it does not pass (nothing is recorded then)."""
    from connexion.exceptions import InvalidSpecification
    from connexion.spec import OpenAPISpecification

    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3."):
        raise InvalidSpecs(f"{label or 'the document'}: not an OpenAPI 3 document")
    validator = validator_id()
    digest = document_digest(doc)
    if is_recorded(digest, validator):
        return False
    started = time.perf_counter()
    try:
        # what connexion's Specification(...) does first: its defaults, then the metaschema check
        OpenAPISpecification._set_defaults(doc)
        OpenAPISpecification._validate_spec(doc)
    except InvalidSpecification as e:
        where = "".join(f"[{p!r}]" for p in e.absolute_path) or "the top level"
        raise InvalidSpecs(f"{label or 'the document'} is not valid OpenAPI 3.0, connexion refuses it: "
                           f"{e.message[:300]} (at {where}; document sha256 {digest[:12]})") from None
    log.info("specs: %s passed connexion's OpenAPI check in %.2f s (sha256 %s); recorded",
             label or "document", time.perf_counter() - started, digest[:12])
    _remember(digest, validator, label)
    return True


def openapi_specification(doc: dict, *, label: str = "") -> tuple:
    """(connexion `Specification` of `doc`, checked now): `doc` `check`ed (once per digest), then given to
    connexion without its own, second, metaschema check. `doc` is handed over as it is, not copied (connexion
    sets its top-level defaults in it): pass a document made for the purpose; what it shares below its top
    level with other documents is not changed."""
    checked = check(doc, label=label)
    return _prechecked_class()(doc), checked


@functools.cache
def _prechecked_class():
    from connexion.json_schema import resolve_refs
    from connexion.spec import OpenAPISpecification

    class Prechecked(OpenAPISpecification):
        """A document connexion's metaschema check has accepted (`check`): not checked again.

        Built as connexion 3.3's `Specification.__init__` builds one, but for the deep copy it keeps of the
        document as given (`raw`, which connexion itself never reads back): the document is made for this
        Specification (see `openapi_specification`), and connexion still resolves a copy of its own."""

        def __init__(self, raw_spec, *, base_uri=""):
            self._raw_spec = raw_spec
            self._set_defaults(raw_spec)
            self._spec = resolve_refs(raw_spec, base_uri=base_uri)
            self._base_uri = base_uri

        @classmethod
        def _validate_spec(cls, spec):
            return None

    return Prechecked
