"""Per-release behaviour of slurmrestd: the one place where releases differ in status codes and answers.

A profile is chosen from the releases of the served spec documents (or `--profile`). The engine raises
`SlurmError`s without knowing any HTTP status; `Profile.status_for` turns them into the status the
release answers with, as measured on real daemons (DESIGN Part 1)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from .auth import AuthRules
from .auth.refusals import Refusal
from .errors import error_text


@dataclass(frozen=True)
class Profile:
    release: str                      # "25.11.7"
    # error number -> status; looked up exactly first, then by range (first matching (lo, hi) wins)
    status_exact: dict = field(default_factory=dict)
    status_ranges: tuple = ()
    default_error_status: int = 500
    # a refused token: rows that replace auth/refusals.TABLE's for this release (`slurm:*` = every /slurm/
    # operation, ping included); the status follows the row's number unless the row gives one
    refusals: dict = field(default_factory=dict)
    # 26.05: an unknown partition name on GET /partition/{name} is a warning, not an error
    unknown_partition_is_warning: bool = False
    # 24.11: GET /node/{name}?update_time=<later than any change> fails (-1 "Unable to query partitions")
    # where the lists answer 304 and 26.05 answers the node
    unchanged_node_is_error: bool = False
    auth: AuthRules = field(default_factory=AuthRules)
    # text of the 401 answer when no token is present
    missing_auth_text: str = "Authentication failure\n"
    not_found_text: str = ("Unable to find requested URL endpoint. Please query the '/openapi/v3' endpoint or "
                           "visit 'https://slurm.schedmd.com/rest_api.html' for the OpenAPI specification which "
                           "includes a list of all possible slurmrestd endpoints.\n")
    wrong_method_status: int = 404
    # the text of that answer (None: the unknown-path text; 22.05 has a text of its own)
    wrong_method_text: str | None = None
    # a method the HTTP parser does not know (QUERY, PROPFIND): refused before auth
    unknown_method_status: int = 405
    unknown_method_text: str = "Invalid HTTP method"
    # a query string the parser refuses (literal ',', bad %-escape, NUL, empty key)
    bad_query_status: int = 500
    bad_query_text: str = "Unspecified error"
    # a body that does not parse, and one of a MIME type no serializer takes
    bad_body_status: int = 400
    bad_body_text: str = "Failure during parsing"
    unknown_mime_status: int = 415
    unknown_mime_text: str = "MIME type is unknown to any loaded plugins"
    # what the HTTP layer and the parsers refuse for size (http/limits.py has the limits and their sources):
    # kind -> (status, error number whose text is the whole text/plain body); measured on 25.11.7: 50 MB → 413
    body_limit_answers: dict = field(default_factory=lambda: {
        "too_large": (413, 12016),       # ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE
        "depth": (500, 9214),            # ESLURM_DATA_PARSING_DEPTH (YAML), not in http_status_from_error()
        "alias": (500, 2036),            # ESLURM_NOT_SUPPORTED (YAML aliases)
    })
    # a path the router cannot take apart ('+' in a job id)
    bad_path_status: int = 404
    bad_path_text: str = "Invalid or unknown URL path"
    # the data-parser versions a daemon of this release serves
    versions: tuple = ()
    # error number the engine raises -> the number this release reports (26.05 checks the environment
    # itself: 2127 "Environment is missing in job" where 25.11 failed writing it, 2019)
    error_aliases: dict = field(default_factory=dict)
    # data_parser reads the query string into the operation's query type and warns about unknown keys
    # (`Ignoring unknown field "bogus" ...`, real 25.11.7); 22.05's handlers read single keys and say nothing
    unknown_query_warnings: bool = True
    # the keys of an `errors[]` entry, per operation name (glob; first match wins; none: all four). 22.05's
    # handlers each wrote their own: `error_code` (submit), `errno` (nodes, partitions, reservations).
    # "errno"/"error_code" carry the error number.
    error_fields: tuple = ()
    # a record the path names that the controller does not have: kind ("node", "partition", "reservation")
    # -> the error number the release answers with, its payload list kept empty (22.05: 500 + errno).
    # Kinds not listed answer as the handler's default (the newer releases' answers).
    unknown_record: dict = field(default_factory=dict)
    # job ids in a path: a non-number is refused before the controller with this error number and source
    # (25.11: 9000 op_handler_job); ids beyond MAX_JOB_ID are refused there too, unless the release asks
    # the controller for them (22.05: 2017 with an empty `jobs`)
    bad_job_id_error: tuple = (9000, "Rejecting request. Failure parsing parameters", "op_handler_job")
    big_job_id_refused: bool = True
    # a submission without a script: slurmrestd's own refusal (25.11: 9000), or 22.05's controller's 2009
    # data_parser refuses a body that lacks a field the schema requires (9200); 22.05's parser does not
    # check `required` (its documents list `environment` as required for a job update too)
    checks_required: bool = True
    # a cancel whose per-job result carries one of these numbers fails the request (22.05.8: 500 + 2017 for
    # an unknown job), where newer releases answer 200 with the result in `status`
    cancel_failures: frozenset = frozenset()
    # slurmdbd found nothing for a read: thing ("accounts", "associations", ...) -> (source, payload keys kept) of the
    # 9003 error the release answers with; things not listed answer 200 with a warning (23.x and later)
    nothing_found: dict = field(default_factory=dict)
    # a DELETE that removed nothing: operation name -> (number, description, source, status, payload keys);
    # operations not listed answer 304 with no body
    nothing_removed: dict = field(default_factory=dict)
    # the working directory of a job submitted without one (None: refused, 2063; 22.05.8: "/", the daemon's)
    default_cwd: str | None = None
    script_missing_error: tuple = (9000, 'Populated "script" field is required for job submission', "_job_post")

    @property
    def version_parts(self) -> tuple[str, str, str]:
        major, minor, micro = (self.release.split(".") + ["0", "0"])[:3]
        return major, minor, micro

    def body_reject(self, kind: str) -> tuple[int, str]:
        if kind == "mime":
            return self.unknown_mime_status, self.unknown_mime_text
        if kind in self.body_limit_answers:
            status, code = self.body_limit_answers[kind]
            return status, error_text(code)
        return self.bad_body_status, self.bad_body_text

    def error_keys(self, operation_name: str) -> tuple:
        """The keys of this operation's error entries, in the order the release writes them."""
        for pattern, keys in self.error_fields:
            if fnmatch.fnmatchcase(operation_name, pattern):
                return keys
        return ("description", "error_number", "error", "source")

    def shape_error(self, operation_name: str, entry: dict) -> dict:
        keys = self.error_keys(operation_name)
        if keys == ("description", "error_number", "error", "source"):
            return entry
        number = entry.get("error_number")
        return {k: number if k in ("errno", "error_code") else entry.get(k, "") for k in keys}

    def status_for(self, code: int) -> int:
        if code == 0:                 # "No error": slurmrestd reports something and answers 200
            return 200
        if code in self.status_exact:
            return self.status_exact[code]
        for lo, hi, status in self.status_ranges:
            if lo <= code <= hi:
                return status
        return self.default_error_status


# data_parser's own failures (bad number or time 9202, scalar for a flag list 9206, unknown flag 9207, object
# for a list 9208, scalar for an object 9209, ambiguous query 9211): 500 from 24.11 to 26.05, where the rest
# of the 9000 range is 422
_PARSER_ERRORS_500 = {9202: 500, 9206: 500, 9207: 500, 9208: 500, 9209: 500, 9211: 500}

_R2511 = Profile(
    release="25.11.7",
    versions=("v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"),
    status_exact={2017: 404, 1007: 511, 7000: 502, 6010: 500, **_PARSER_ERRORS_500},
    status_ranges=((9000, 9999, 422), (2000, 2999, 500)),
)

_R2605 = Profile(
    release="26.05.5",
    versions=("v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"),
    status_exact={2017: 404, 1007: 511, 7000: 502, 6010: 500, 9009: 400, **_PARSER_ERRORS_500},
    status_ranges=((9000, 9999, 422), (2000, 2999, 422)),
    unknown_partition_is_warning=True,
    error_aliases={2019: 2127},
)

_R2411 = Profile(      # router answers measured on 24.11.5 (Debian trixie); bad tokens -> 511 as on 25.11
    release="24.11.5",
    versions=("v0.0.40", "v0.0.41", "v0.0.42"),
    status_exact={2017: 404, 1007: 511, 7000: 500, **_PARSER_ERRORS_500},
    status_ranges=((9000, 9999, 422), (2000, 2999, 500)),
    # kept from before this table (not measured: the trixie chroot has no slurmdbd; 24.11.5's source
    # refuses like 25.11's, 7000 from openapi_get_db_conn)
    refusals={"slurmdb:*": Refusal(1007, "Unable to connect to database", "", (), "not measured", status=500)},
    unchanged_node_is_error=True,
    missing_auth_text="Authentication failure",
    not_found_text="Unable find requested URL. Please view /openapi/v3 for API reference.",
    unknown_method_status=400,
    unknown_method_text="",
    bad_query_status=400,
    bad_query_text="Unable to parse query.",
    bad_body_text="Unable to parse query.",
    unknown_mime_status=400,
    unknown_mime_text="Unable to parse query.",
    bad_path_status=400,
    bad_path_text="Unable to parse URL path.",
)

_R2205 = Profile(
    release="22.05.8",
    unknown_query_warnings=False,
    versions=("v0.0.36", "v0.0.37", "v0.0.38"),
    status_exact={2127: 400, 9001: 400, 9002: 400, 9003: 500},
    status_ranges=((9000, 9999, 400),),
    # measured on 22.05.8 for ping (no `pings` key); taken for every /slurm/ operation (not measured there)
    refusals={"slurm:*": Refusal(-1, "slurmctld config is unable to load", "slurm_load_ctl_conf", (),
                                 "measured 22.05.8 (ping)"),
              # measured 22.05.8, v0.0.38, a token signed with another key (entry keys: error_fields)
              **{f"slurm:{name}": Refusal(-1, "", "", (key,), "measured 22.05.8")
                 for name, key in (("get_nodes", "nodes"), ("get_node", "nodes"), ("get_partitions", "partitions"),
                                   ("get_partition", "partitions"), ("get_reservations", "reservations"),
                                   ("get_reservation", "reservations"))},
              "slurm:get_jobs": Refusal(-1, "Failed while looking for jobs", "slurm_load_jobs", ("jobs",),
                                        "measured 22.05.8"),
              "slurm:get_job": Refusal(-1, "Unable to find JobId={job_id}", "slurm_load_job", ("jobs",),
                                       "measured 22.05.8"),
              "slurm:diag": Refusal(-1, "request failed", "slurm_get_statistics", ("statistics",),
                                    "measured 22.05.8"),
              "slurm:slurmctld_get_licenses": Refusal(-1, "slurmctld unable to load licenses", "slurm_load_licenses",
                                                      (), "measured 22.05.8"),
              "slurm:submit_job": Refusal(5005, "", "", (), "measured 22.05.8", status=500),
              "slurmdb:*": Refusal(1007, "Unable to connect to database", "", (), "not measured", status=500)},
    auth=AuthRules(user_name_header_required=True, bearer_allowed=False),
    not_found_text="Unable find requested URL. Please view /openapi/v3 for API reference.\n",
    # measured 22.05.8: a method its HTTP parser does not know (QUERY) -> "HTTP/0.9 400 BAD REQUEST" and
    # nothing more: the closest HTTP/1.1 answer is a bodiless 400
    unknown_method_status=400,
    unknown_method_text="",
    wrong_method_status=405,
    wrong_method_text="Requested REST method is not defined at URL. Please view /openapi/v3 for API reference.",
    bad_path_status=400,
    bad_path_text="Unable to parse URL path.",
    # measured on 22.05.8 (v0.0.38): POST job/submit {} -> {"error_code": 2009, "error": ...}; GET
    # node/x, partition/x, reservation/x -> {"error": ..., "errno": 2018|2000|2053}; job operations write
    # description, error_number, error, source
    error_fields=(("submit_job", ("error_code", "error")),
                  ("get_node*", ("error", "errno")), ("get_partition*", ("error", "errno")),
                  ("get_reservation*", ("error", "errno")),
                  ("delete_account", ("error_number", "error", "source"))),
    unknown_record={"node": 2018, "partition": 2000, "reservation": 2053},
    bad_job_id_error=(9002, "Unable to find JobId={id}", "_handle_job_get"),
    big_job_id_refused=False,
    script_missing_error=(2009, "", ""),
    default_cwd="/",
    # measured 22.05.8 (v0.0.38): GET account|user|cluster|wckey/<unknown>, GET associations?account=<unknown>
    nothing_found={"accounts": ("slurmdb_accounts_get", ("accounts",)), "users": ("slurmdb_users_get", ("users",)),
                   "clusters": ("slurmdb_clusters_get", ("clusters",)), "wckeys": ("slurmdb_wckeys_get", ("wckeys",)),
                   "associations": ("slurmdb_associations_get", ())},
    # measured 22.05.8: DELETE account|qos|wckey/<unknown> (user, cluster, association: 304)
    nothing_removed={"delete_account": (1900, "", "slurmdb_accounts_remove", 200, ()),
                     "delete_qos": (9003, "Nothing found", "slurmdb_qos_remove", 500, ()),
                     "delete_wckey": (9003, "Nothing found", "slurmdb_wckeys_remove", 500, ("deleted_wckeys",))},
    checks_required=False,
    cancel_failures=frozenset({2017}),
    error_aliases={2019: 2127},
    bad_body_text="Unable to parse query.",
    unknown_mime_status=400,
    unknown_mime_text="Unable to parse query.",
)

PROFILES = {p.release.rsplit(".", 1)[0]: p for p in (_R2205, _R2411, _R2511, _R2605)}
DEFAULT = _R2511


def profile_for(release: str | None) -> Profile:
    """The profile of the release series ("25.11.x" -> 25.11); unknown series fall back to the nearest older."""
    if not release:
        return DEFAULT
    series = ".".join(release.split(".")[:2])
    if series in PROFILES:
        p = PROFILES[series]
        return p if p.release == release or release.count(".") < 2 else _with_release(p, release)
    older = [s for s in PROFILES if _key(s) <= _key(series)]
    base = PROFILES[max(older, key=_key)] if older else DEFAULT
    return _with_release(base, release)


def _key(series: str) -> tuple[int, ...]:
    return tuple(int(x) for x in series.split(".") if x.isdecimal())


def _with_release(p: Profile, release: str) -> Profile:
    from dataclasses import replace
    return replace(p, release=release)


# which release to imitate when none is asked for: the default profile first, then newer, then older
PREFERENCE = ("25.11", "26.05", "24.11", "22.05")


def choose_profile(spec_set, requested: str | None = None) -> Profile:
    """`--profile` if given; else the first release in PREFERENCE whose versions the specs all provide,
    else the release that the most served versions belong to. A folder holding only 22.05's document so
    behaves as 22.05, the default folder as 25.11."""
    if requested:
        return profile_for(requested if requested.count(".") == 2 else PROFILES.get(requested, DEFAULT).release)
    have = set(spec_set.versions)
    for series in PREFERENCE:
        if set(PROFILES[series].versions) <= have:
            return PROFILES[series]
    best = max(PREFERENCE, key=lambda s: len(set(PROFILES[s].versions) & have))
    return PROFILES[best]
