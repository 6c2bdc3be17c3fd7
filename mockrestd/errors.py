"""Every Slurm error this mock can answer with, in one table, and the exception the engine raises.

The HTTP status is not decided here: `profiles.py` maps (release, error number) to a status, because the
same controller error is a 500 on 25.11 and a 422 on 26.05."""

from __future__ import annotations

# error number -> Slurm's text for it (what slurm_strerror() returns), one entry per line, enum name as comment.
#
# Numbers come from the `slurm_err_t` enum in Slurm's `slurm/slurm_errno.h` (members continue by +1 from the last
# explicit value), texts from the `slurm_errtab[]` table in `src/common/slurm_errno.c`, both read from SchedMD/slurm
# at a development commit newer than 26.05 (it already has ESLURM_DATA_PARSE_BAD_INPUT 9216, ESLURM_FILE_UNREADABLE
# 2190 and ESLURM_TLS_REQUIRED 13000). Numbers are append-only in Slurm, so every number 25.11 has means the same
# here; a few of the newest (2185-2190, 7014, the 7200 and 7400 ranges) may not exist yet in 25.11, which is harmless
# for a table of texts. Cross-checked against real answers (shared/DESIGN.md, fixtures-real/, real-slurm/README.md):
# 1007, 2002, 2010, 2017, 2021, 2073, 6010, 7000; the others DESIGN.md names match by meaning (2016 nodes busy,
# 2019 writing script/environment, 2045 account, 2050 accounting policy, 2053 reservation invalid, 2058 overlap,
# 2063 work dir, 2066 qos, 2084 finished, 2127 environment missing, 9200 path not found, 9207 bad flag,
# 9209 expected dict, 9211 ambiguous query).
# Note: "Ambiguous request: More than 1 association would have been dumped." (9211) and
# 'Populated "script" field is required for job submission' (9000) are the *descriptions* slurmrestd puts beside
# these numbers; the error text (`error` field) is the one below.
# slurm_strerror() returns strerror() for a positive number missing from the table ("Unknown error N" with glibc) and
# "Unknown negative error number" for a negative one; `error_text()` below answers "Unspecified error" for any number
# not listed.
ERRORS: dict[int, str] = {
    -1: "Unspecified error",  # SLURM_ERROR
    0: "No error",  # SLURM_SUCCESS
    11: "Resource temporarily unavailable",  # EAGAIN: job_allocate() at MaxJobCount
    115: "Operation now in progress",  # EINPROGRESS (Linux errno, listed in Slurm's table)

    # 1000: general message errors (SLURM_*)
    1000: "Unexpected message received",  # SLURM_UNEXPECTED_MSG_ERROR
    1001: "Communication connection failure",  # SLURM_COMMUNICATIONS_CONNECTION_ERROR
    1002: "Message send failure",  # SLURM_COMMUNICATIONS_SEND_ERROR
    1003: "Message receive failure",  # SLURM_COMMUNICATIONS_RECEIVE_ERROR
    1004: "Communication shutdown failure",  # SLURM_COMMUNICATIONS_SHUTDOWN_ERROR
    1005: "Incompatible versions of client and server code",  # SLURM_PROTOCOL_VERSION_ERROR
    1006: "I/O stream version number error",  # SLURM_PROTOCOL_IO_STREAM_VERSION_ERROR
    1007: "Protocol authentication error",  # SLURM_PROTOCOL_AUTHENTICATION_ERROR
    1008: "Insane message length",  # SLURM_PROTOCOL_INSANE_MSG_LENGTH
    1009: "Invalid MPI plugin name",  # SLURM_MPI_PLUGIN_NAME_INVALID
    1010: "MPI plugin's pre-launch setup failed",  # SLURM_MPI_PLUGIN_PRELAUNCH_SETUP_FAILED
    1011: "Plugin initialization failed",  # SLURM_PLUGIN_NAME_INVALID
    1012: "Can't find an address, check slurm.conf",  # SLURM_UNKNOWN_FORWARD_ADDR
    1013: "Unexpected missing socket error",  # SLURM_COMMUNICATIONS_MISSING_SOCKET_ERROR
    1014: "Unable to process incoming file descriptor",  # SLURM_COMMUNICATIONS_INVALID_INCOMING_FD
    1015: "Unable to process outgoing file descriptor",  # SLURM_COMMUNICATIONS_INVALID_OUTGOING_FD
    1016: "Unable to process incoming and outgoing file descriptors",  # SLURM_COMMUNICATIONS_INVALID_FD
    1017: "Read would block",  # SLURM_BLOCKED_ON_READ
    1018: "Write would block",  # SLURM_BLOCKED_ON_WRITE
    1019: "Connection rejected by handler",  # SLURM_COMMUNICATIONS_REJECTED
    1020: "Connection forced closed by quiesce timeout",  # SLURM_COMMUNICATIONS_QUIESCE_TIMEOUT
    1021: "Connection timed out establishing",  # SLURM_COMMUNICATIONS_CONNECT_TIMEOUT
    1022: "Connection timed out writing",  # SLURM_COMMUNICATIONS_WRITE_TIMEOUT
    1023: "Connection timed out reading",  # SLURM_COMMUNICATIONS_READ_TIMEOUT
    1024: "Kernel reported delayed socket error after successful write(), client side likely closed",  # SLURM_COMMUNICATIONS_DELAYED_ERROR
    1025: "Process is shutting down and closing all communications",  # SLURM_SHUTTING_DOWN

    # 1800: communication failures to/from slurmctld
    1800: "Unable to contact slurm controller (connect failure)",  # SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR
    1801: "Unable to contact slurm controller (send failure)",  # SLURMCTLD_COMMUNICATIONS_SEND_ERROR
    1802: "Unable to contact slurm controller (receive failure)",  # SLURMCTLD_COMMUNICATIONS_RECEIVE_ERROR
    1803: "Unable to contact slurm controller (shutdown failure)",  # SLURMCTLD_COMMUNICATIONS_SHUTDOWN_ERROR
    1804: "Rate limit exceeded, please retry momentarily",  # SLURMCTLD_COMMUNICATIONS_BACKOFF
    1805: "Rate limit exceeded, please retry later",  # SLURMCTLD_COMMUNICATIONS_HARD_DROP

    # 1900: RESPONSE_SLURM_RC codes
    1900: "Data has not changed since time specified",  # SLURM_NO_CHANGE_IN_DATA

    # 2000: slurmctld errors (ESLURM_*)
    2000: "Invalid partition name specified",  # ESLURM_INVALID_PARTITION_NAME
    2001: "No partition specified or system default partition",  # ESLURM_DEFAULT_PARTITION_NOT_SET
    2002: "Access/permission denied",  # ESLURM_ACCESS_DENIED
    2003: "User's group not permitted to use this partition",  # ESLURM_JOB_MISSING_REQUIRED_PARTITION_GROUP
    2004: "Requested nodes not in this partition",  # ESLURM_REQUESTED_NODES_NOT_IN_PARTITION
    2005: "More processors requested than permitted",  # ESLURM_TOO_MANY_REQUESTED_CPUS
    2006: "Node count specification invalid",  # ESLURM_INVALID_NODE_COUNT
    2007: "MaxJobCount limit reached",  # ESLURM_MAX_JOB_COUNT
    2008: "Job size specification needs to be provided",  # ESLURM_JOB_MISSING_SIZE_SPECIFICATION
    2009: "Job script not specified",  # ESLURM_JOB_SCRIPT_MISSING
    2010: "Invalid user id",  # ESLURM_USER_ID_MISSING
    2011: "Duplicate job id",  # ESLURM_DUPLICATE_JOB_ID
    2012: "Pathname of a file, directory or other parameter too long",  # ESLURM_PATHNAME_TOO_LONG
    2013: "Immediate execution impossible, insufficient priority",  # ESLURM_NOT_TOP_PRIORITY
    2014: "Requested node configuration is not available",  # ESLURM_REQUESTED_NODE_CONFIG_UNAVAILABLE
    2015: "Requested partition configuration not available now",  # ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE
    2016: "Requested nodes are busy",  # ESLURM_NODES_BUSY
    2017: "Invalid job id specified",  # ESLURM_INVALID_JOB_ID
    2018: "Invalid node name specified",  # ESLURM_INVALID_NODE_NAME
    2019: "I/O error writing script/environment to file",  # ESLURM_WRITING_TO_FILE
    2020: "Job can not be altered now, try again later",  # ESLURM_TRANSITION_STATE_NO_UPDATE
    2021: "Job/step already completing or completed",  # ESLURM_ALREADY_DONE
    2022: "Error configuring interconnect",  # ESLURM_INTERCONNECT_FAILURE
    2023: "Task distribution specification invalid",  # ESLURM_BAD_DIST
    2024: "Job is pending execution",  # ESLURM_JOB_PENDING
    2025: "Task count specification invalid",  # ESLURM_BAD_TASK_COUNT
    2026: "Error generating job credential",  # ESLURM_INVALID_JOB_CREDENTIAL
    2027: "Slurm backup controller in standby mode",  # ESLURM_IN_STANDBY_MODE
    2028: "Invalid node state specified",  # ESLURM_INVALID_NODE_STATE
    2029: "Invalid feature specification",  # ESLURM_INVALID_FEATURE
    2030: "AuthType change requires restart of all Slurm daemons and commands to take effect",  # ESLURM_INVALID_AUTHTYPE_CHANGE
    2031: "Active features not subset of available features",  # ESLURM_ACTIVE_FEATURE_NOT_SUBSET
    2032: "SchedulerType change requires restart of the slurmctld daemon to take effect",  # ESLURM_INVALID_SCHEDTYPE_CHANGE
    2033: "SelectType change requires restart of the slurmctld daemon to take effect",  # ESLURM_INVALID_SELECTTYPE_CHANGE
    2034: "SwitchType change requires restart of all Slurm daemons and jobs to take effect",  # ESLURM_INVALID_SWITCHTYPE_CHANGE
    2035: "Immediate execution impossible, resources too fragmented for allocation",  # ESLURM_FRAGMENTATION
    2036: "Requested operation not supported on this system",  # ESLURM_NOT_SUPPORTED
    2037: "Requested operation is presently disabled",  # ESLURM_DISABLED
    2038: "Job dependency problem",  # ESLURM_DEPENDENCY
    2039: "Only batch jobs are accepted or processed",  # ESLURM_BATCH_ONLY
    2040: "Licenses currently unavailable",  # ESLURM_LICENSES_UNAVAILABLE
    2041: "Unable to takeover, heartbeat file is missing",  # ESLURM_TAKEOVER_NO_HEARTBEAT
    2042: "Job is in held state, pending scheduler release",  # ESLURM_JOB_HELD
    2043: "CredType change requires restart of all Slurm daemons to take effect",  # ESLURM_INVALID_CRED_TYPE_CHANGE
    2044: "Memory required by task is not available",  # ESLURM_INVALID_TASK_MEMORY
    2045: "Invalid account or account/partition combination specified",  # ESLURM_INVALID_ACCOUNT
    2046: "Invalid parent account specified",  # ESLURM_INVALID_PARENT_ACCOUNT
    2047: "Account already child of parent account specified",  # ESLURM_SAME_PARENT_ACCOUNT
    2048: "Invalid license specification",  # ESLURM_INVALID_LICENSES
    2049: "The node configuration changes that were made require restart of the slurmctld daemon to take effect",  # ESLURM_NEED_RESTART
    2050: "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)",  # ESLURM_ACCOUNTING_POLICY
    2051: "Requested time limit is invalid (missing or exceeds some limit)",  # ESLURM_INVALID_TIME_LIMIT
    2052: "Access denied to requested reservation",  # ESLURM_RESERVATION_ACCESS
    2053: "Requested reservation is invalid",  # ESLURM_RESERVATION_INVALID
    2054: "Invalid time specified",  # ESLURM_INVALID_TIME_VALUE
    2055: "Requested reservation is in use",  # ESLURM_RESERVATION_BUSY
    2056: "Requested reservation not usable now",  # ESLURM_RESERVATION_NOT_USABLE
    2057: "Invalid wckey specification",  # ESLURM_INVALID_WCKEY
    2058: "Requested reservation overlaps with another reservation",  # ESLURM_RESERVATION_OVERLAP
    2059: "Required ports are in use",  # ESLURM_PORTS_BUSY
    2060: "Requires more ports than can be reserved",  # ESLURM_PORTS_INVALID
    2061: "PrologSlurmctld is still running",  # ESLURM_PROLOG_RUNNING
    2062: "Job steps can not be run on this cluster",  # ESLURM_NO_STEPS
    2063: "Job cannot be submitted without the current working directory specified.",  # ESLURM_MISSING_WORK_DIR
    2064: "No running or pending steps in the job",  # ESLURM_STEPS_DRAINED
    2066: "Invalid qos specification",  # ESLURM_INVALID_QOS
    2067: "QOS Preemption loop detected",  # ESLURM_QOS_PREEMPTION_LOOP
    2068: "Required node not available (down, drained or reserved)",  # ESLURM_NODE_NOT_AVAIL
    2069: "CPU count specification invalid",  # ESLURM_INVALID_CPU_COUNT
    2070: "Required partition not available (inactive or drain)",  # ESLURM_PARTITION_NOT_AVAIL
    2071: "Circular job dependency",  # ESLURM_CIRCULAR_DEPENDENCY
    2072: "Invalid generic resource (gres) specification",  # ESLURM_INVALID_GRES
    2073: "Job is no longer pending execution",  # ESLURM_JOB_NOT_PENDING
    2074: "Requested account has breached requested QOS usage threshold",  # ESLURM_QOS_THRES
    2075: "Partition is in use",  # ESLURM_PARTITION_IN_USE
    2076: "Step limit reached for this job",  # ESLURM_STEP_LIMIT
    2077: "Job is current suspended, requested operation disabled",  # ESLURM_JOB_SUSPENDED
    2078: "Job can not start immediately",  # ESLURM_CAN_NOT_START_IMMEDIATELY
    2080: "Reservation request lacks users, groups or accounts",  # ESLURM_RESERVATION_EMPTY
    2081: "Invalid job array specification",  # ESLURM_INVALID_ARRAY
    2082: "Duplicate reservation name",  # ESLURM_RESERVATION_NAME_DUP
    2083: "Job has already started",  # ESLURM_JOB_STARTED
    2084: "Job has already finished",  # ESLURM_JOB_FINISHED
    2085: "Job is not running",  # ESLURM_JOB_NOT_RUNNING
    2086: "Job is not pending nor running",  # ESLURM_JOB_NOT_PENDING_NOR_RUNNING
    2087: "Job is not suspended",  # ESLURM_JOB_NOT_SUSPENDED
    2088: "Job is not finished",  # ESLURM_JOB_NOT_FINISHED
    2089: "Duplicate event trigger",  # ESLURM_TRIGGER_DUP
    2090: "Slurm internal error, contact system administrator",  # ESLURM_INTERNAL
    2091: "BurstBufferType change requires restart of slurmctld daemon to take effect",  # ESLURM_INVALID_BURST_BUFFER_CHANGE
    2092: "Burst Buffer permission denied",  # ESLURM_BURST_BUFFER_PERMISSION
    2093: "Burst Buffer resource limit exceeded",  # ESLURM_BURST_BUFFER_LIMIT
    2094: "Burst Buffer request invalid",  # ESLURM_INVALID_BURST_BUFFER_REQUEST
    2095: "Changes to job priority are not persistent, change nice instead",  # ESLURM_PRIO_RESET_FAIL
    2096: "Cannot modify scrontab jobs through scontrol",  # ESLURM_CANNOT_MODIFY_CRON_JOB
    2097: "NamespaceType change requires restart of all Slurm daemons and commands to take effect",  # ESLURM_INVALID_NAMESPACE_CHANGE
    2098: "Cannot cancel scrontab jobs without --cron flag.",  # ESLURM_CANNOT_CANCEL_CRON_JOB
    2099: "Invalid mcs_label specified",  # ESLURM_INVALID_MCS_LABEL
    2100: "Waiting for burst buffer",  # ESLURM_BURST_BUFFER_WAIT
    2101: "Partition in DOWN state",  # ESLURM_PARTITION_DOWN
    2102: "Duplicate generic resource (gres) specification",  # ESLURM_DUPLICATE_GRES
    2104: "Reservation already started",  # ESLURM_RSV_ALREADY_STARTED
    2105: "System submissions disabled",  # ESLURM_SUBMISSIONS_DISABLED
    2106: "Job not heterogeneous job",  # ESLURM_NOT_HET_JOB
    2107: "Job not heterogeneous job leader",  # ESLURM_NOT_HET_JOB_LEADER
    2108: "Operation not permitted on individual component of heterogeneous job",  # ESLURM_NOT_WHOLE_HET_JOB
    2109: "Core-based reservation can not be updated",  # ESLURM_CORE_RESERVATION_UPDATE
    2110: "Duplicate job step id",  # ESLURM_DUPLICATE_STEP_ID
    2111: "Core count for reservation node list is not consistent!",  # ESLURM_INVALID_CORE_CNT
    2112: "X11 forwarding not available",  # ESLURM_X11_NOT_AVAIL
    2113: "Invalid group id",  # ESLURM_GROUP_ID_MISSING
    2114: "Job --batch option is invalid or not a subset of --constraint",  # ESLURM_BATCH_CONSTRAINT
    2115: "Invalid Trackable RESource (TRES) specification",  # ESLURM_INVALID_TRES
    2116: "Invalid TRESBillingWeights specification",  # ESLURM_INVALID_TRES_BILLING_WEIGHTS
    2117: "Invalid JobDefaults specification",  # ESLURM_INVALID_JOB_DEFAULTS
    2118: "Job can not start due to maintenance reservation.",  # ESLURM_RESERVATION_MAINT
    2119: "Invalid GRES specification (with and without type identification)",  # ESLURM_INVALID_GRES_TYPE
    2120: "Reboot already in progress",  # ESLURM_REBOOT_IN_PROGRESS
    2121: "Multiple KNL NUMA and/or MCDRAM constraints require use of a heterogeneous job",  # ESLURM_MULTI_KNL_CONSTRAINT
    2122: "Requested GRES option unsupported by configured SelectType plugin",  # ESLURM_UNSUPPORTED_GRES
    2123: "Invalid --nice value",  # ESLURM_INVALID_NICE
    2124: "Invalid time-min specification (exceeds job's time or other limits)",  # ESLURM_INVALID_TIME_MIN_LIMIT
    2125: "Immediate execution impossible. Individual job submission scheduling attempts deferred",  # ESLURM_DEFER
    2126: "ConfigLess mode is disabled in slurm configuration.",  # ESLURM_CONFIGLESS_DISABLED
    2127: "Environment is missing in job",  # ESLURM_ENVIRONMENT_MISSING
    2128: "Reservation given is not skipable, try deleting instead",  # ESLURM_RESERVATION_NO_SKIP
    2129: "Reservations can't have users and groups specified, only one or the other",  # ESLURM_RESERVATION_USER_GROUP
    2130: "Multiple partition job request not supported when a partition is set in the association",  # ESLURM_PARTITION_ASSOC
    2131: "Controller is in standby mode, try a different controller",  # ESLURM_IN_STANDBY_USE_BACKUP
    2132: "Cannot request more threads per core than the job allocation",  # ESLURM_BAD_THREAD_PER_CORE
    2133: "Invalid preferred feature specification",  # ESLURM_INVALID_PREFER
    2134: "Insufficient GRES available in allocation",  # ESLURM_INSUFFICIENT_GRES
    2135: "Invalid container id specified",  # ESLURM_INVALID_CONTAINER_ID
    2136: "JobID must not be an empty string",  # ESLURM_EMPTY_JOB_ID
    2137: "JobID can not be zero",  # ESLURM_INVALID_JOB_ID_ZERO
    2138: "JobID can not be a negative number",  # ESLURM_INVALID_JOB_ID_NEGATIVE
    2139: "JobID larger than acceptable range",  # ESLURM_INVALID_JOB_ID_TOO_LARGE
    2140: "JobID includes unexpected non-numeric characters",  # ESLURM_INVALID_JOB_ID_NON_NUMERIC
    2141: "Job Array ID must not be an empty string",  # ESLURM_EMPTY_JOB_ARRAY_ID
    2142: "Job Array ID can not be a negative number",  # ESLURM_INVALID_JOB_ARRAY_ID_NEGATIVE
    2143: "Job Array ID larger than acceptable range",  # ESLURM_INVALID_JOB_ARRAY_ID_TOO_LARGE
    2144: "Job Array ID includes unexpected non-numeric characters",  # ESLURM_INVALID_JOB_ARRAY_ID_NON_NUMERIC
    2145: "Unknown error 2145",  # ESLURM_INVALID_HET_JOB_AND_ARRAY: no entry in slurm_errtab, so slurm_strerror() falls back to strerror()
    2146: "HetJob component must not be an empty string",  # ESLURM_EMPTY_HET_JOB_COMP
    2147: "HetJob component can not be a negative number",  # ESLURM_INVALID_HET_JOB_COMP_NEGATIVE
    2148: "HetJob component larger than acceptable range",  # ESLURM_INVALID_HET_JOB_COMP_TOO_LARGE
    2149: "Unknown error 2149",  # ESLURM_INVALID_HET_JOB_COMP_NON_NUMERIC: no entry in slurm_errtab, so slurm_strerror() falls back to strerror()
    2150: "StepID must not be an empty string",  # ESLURM_EMPTY_STEP_ID
    2151: "StepID can not be a negative number",  # ESLURM_INVALID_STEP_ID_NEGATIVE
    2152: "StepID larger than acceptable range",  # ESLURM_INVALID_STEP_ID_TOO_LARGE
    2153: "StepID includes unexpected non-numeric characters",  # ESLURM_INVALID_STEP_ID_NON_NUMERIC
    2154: "HetStep component must not be an empty string",  # ESLURM_EMPTY_HET_STEP
    2155: "HetStep component can not be zero",  # ESLURM_INVALID_HET_STEP_ZERO
    2156: "HetStep component can not be a negative number",  # ESLURM_INVALID_HET_STEP_NEGATIVE
    2157: "HetStep component larger than acceptable range",  # ESLURM_INVALID_HET_STEP_TOO_LARGE
    2158: "HetStep component includes unexpected non-numeric characters",  # ESLURM_INVALID_HET_STEP_NON_NUMERIC
    2159: "HetJob can not Het step id",  # ESLURM_INVALID_HET_STEP_JOB
    2160: "Job killed due hitting max wall clock limit",  # ESLURM_JOB_TIMEOUT_KILLED
    2161: "Job killed due node failure",  # ESLURM_JOB_NODE_FAIL_KILLED
    2162: "Empty list",  # ESLURM_EMPTY_LIST
    2163: "Invalid group ID",  # ESLURM_GROUP_ID_INVALID
    2164: "Unable to resolve group ID to group name",  # ESLURM_GROUP_ID_UNKNOWN
    2165: "Invalid user ID",  # ESLURM_USER_ID_INVALID
    2166: "Unable to resolve user ID to user name",  # ESLURM_USER_ID_UNKNOWN
    2167: "Invalid or unknown association",  # ESLURM_INVALID_ASSOC
    2168: "Node already exists in the node table",  # ESLURM_NODE_ALREADY_EXISTS
    2169: "Unable to add node, node table is full",  # ESLURM_NODE_TABLE_FULL
    2170: "Invalid QOS specification, relative QOS can only be used in a single partition per cluster.",  # ESLURM_INVALID_RELATIVE_QOS
    2171: "Invalid extra constraints specification",  # ESLURM_INVALID_EXTRA
    2172: "Cannot signal job",  # ESLURM_JOB_SIGNAL_FAILED
    2173: "Invalid signal jobs request, at least one job id or filter is required.",  # ESLURM_SIGNAL_JOBS_INVALID
    2174: "RestrictedCoresPerGPU: Not enough unique cores per GPU",  # ESLURM_RES_CORES_PER_GPU_UNIQUE
    2175: "RestrictedCoresPerGPU: Missing core topology for GPUs",  # ESLURM_RES_CORES_PER_GPU_TOPO
    2176: "RestrictedCoresPerGPU: No GPUs configured on node",  # ESLURM_RES_CORES_PER_GPU_NO
    2177: "Max powered up nodes reached",  # ESLURM_MAX_POWERED_NODES
    2178: "Requested topology configuration is not available",  # ESLURM_REQUESTED_TOPO_CONFIG_UNAVAILABLE
    2179: "Preemption is required but is disabled on this system",  # ESLURM_PREEMPTION_REQUIRED
    2180: "Invalid node state transition",  # ESLURM_INVALID_NODE_STATE_TRANSITION
    2181: "Invalid job state",  # ESLURM_INVALID_JOB_STATE
    2185: "SLUID is invalid",  # ESLURM_INVALID_SLUID
    2186: "Requested operation requires extern step",  # ESLURM_EXTERN_ONLY
    2187: "Invalid power action",  # ESLURM_INVALID_POWER_ACTION
    2188: "Step queued as pending",  # ESLURM_STEP_QUEUED
    2189: "Invalid configuration for external job",  # ESLURM_INVALID_EXTERNAL_JOB
    2190: "Unable to load file for reading",  # ESLURM_FILE_UNREADABLE

    # 3000: SPANK errors
    3000: "Generic error",  # ESPANK_ERROR
    3001: "Bad argument",  # ESPANK_BAD_ARG
    3002: "Not in task context",  # ESPANK_NOT_TASK
    3003: "Environment variable exists",  # ESPANK_ENV_EXISTS
    3004: "No such environment variable",  # ESPANK_ENV_NOEXIST
    3005: "Buffer too small",  # ESPANK_NOSPACE
    3006: "Valid only in remote context",  # ESPANK_NOT_REMOTE
    3007: "Id/PID does not exist on this node",  # ESPANK_NOEXIST
    3008: "Lookup by PID requested, but no tasks running",  # ESPANK_NOT_EXECD
    3009: "Item not available from this callback",  # ESPANK_NOT_AVAIL
    3010: "Valid only in local or allocator context",  # ESPANK_NOT_LOCAL
    3011: "Spank plugin failure, node failed",  # ESPANK_NODE_FAILURE
    3012: "Spank plugin failure, job failed",  # ESPANK_JOB_FAILURE

    # 4000: slurmd errors
    4001: "Kill task failed",  # ESLURMD_KILL_TASK_FAILED
    4002: "Unknown error 4002",  # ESLURMD_KILL_JOB_ALREADY_COMPLETE: no entry in slurm_errtab, so slurm_strerror() falls back to strerror()
    4003: "Invalid accounting frequency requested",  # ESLURMD_INVALID_ACCT_FREQ
    4004: "Invalid job credential",  # ESLURMD_INVALID_JOB_CREDENTIAL
    4007: "Job credential expired",  # ESLURMD_CREDENTIAL_EXPIRED
    4008: "Job credential revoked",  # ESLURMD_CREDENTIAL_REVOKED
    4009: "Job credential replayed",  # ESLURMD_CREDENTIAL_REPLAYED
    4010: "Slurmd could not create a batch directory or file",  # ESLURMD_CREATE_BATCH_DIR_ERROR
    4014: "Slurmd could not set up environment for batch job",  # ESLURMD_SETUP_ENVIRONMENT_ERROR
    4016: "Slurmd could not set UID or GID",  # ESLURMD_SET_UID_OR_GID_ERROR
    4020: "Slurmd could not execve job",  # ESLURMD_EXECVE_FAILED
    4021: "Slurmd could not connect IO",  # ESLURMD_IO_ERROR
    4022: "Job prolog failed",  # ESLURMD_PROLOG_FAILED
    4023: "Job epilog failed",  # ESLURMD_EPILOG_FAILED
    4025: "Too many job steps on node",  # ESLURMD_TOOMANYSTEPS
    4026: "Job step already exists",  # ESLURMD_STEP_EXISTS
    4027: "Job step not running",  # ESLURMD_STEP_NOTRUNNING
    4028: "Job step is suspended",  # ESLURMD_STEP_SUSPENDED
    4029: "Job step is not currently suspended",  # ESLURMD_STEP_NOTSUSPENDED
    4030: "Unix socket name exceeded maximum length",  # ESLURMD_INVALID_SOCKET_NAME_LEN
    4031: "Container runtime not configured or invalid",  # ESLURMD_CONTAINER_RUNTIME_INVALID
    4032: "Unable to satisfy cpu bind request",  # ESLURMD_CPU_BIND_ERROR
    4033: "Unable to layout tasks on given cpus",  # ESLURMD_CPU_LAYOUT_ERROR
    4034: "Unknown error 4034",  # ESLURMD_TOO_MANY_RPCS: no entry in slurm_errtab, so slurm_strerror() falls back to strerror()
    4035: "Unable to proxy slurmstepd message",  # ESLURMD_STEPD_PROXY_FAILED

    # 5000: socket-level communication errors
    5003: "Header lengths are longer than data received",  # ESLURM_PROTOCOL_INCOMPLETE_PACKET
    5004: "Socket timed out on send/recv operation",  # SLURM_PROTOCOL_SOCKET_IMPL_TIMEOUT
    5005: "Zero Bytes were transmitted or received",  # SLURM_PROTOCOL_SOCKET_ZERO_BYTES_SENT

    # 6000: auth errors
    6000: "Invalid authentication credential",  # ESLURM_AUTH_CRED_INVALID
    6001: "Authentication credential expired",  # ESLURM_AUTH_EXPIRED
    6004: "Bad argument to plugin function",  # ESLURM_AUTH_BADARG
    6007: "Cannot unpack credential",  # ESLURM_AUTH_UNPACK
    6008: "Authentication does not apply to request",  # ESLURM_AUTH_SKIP
    6009: "Token Generation failed.",  # ESLURM_AUTH_UNABLE_TO_GENERATE_TOKEN
    6010: "Rejecting authentication of user nobody or group nobody",  # ESLURM_AUTH_NOBODY
    6011: "Unable to query kernel for socket peer credential",  # ESLURM_AUTH_SOCKET_INVALID_PEER

    # 7000: accounting (slurmdbd) errors
    7000: "Unable to connect to database",  # ESLURM_DB_CONNECTION
    7001: "Job(s) active, cancel job(s) before remove",  # ESLURM_JOBS_RUNNING_ON_ASSOC
    7002: "Cluster deleted, commit/rollback immediately",  # ESLURM_CLUSTER_DELETED
    7003: "Can only change one at a time",  # ESLURM_ONE_CHANGE
    7004: "Unacceptable name given. (No '.' in name allowed)",  # ESLURM_BAD_NAME
    7005: "You can not allocate more than 100% of a resource",  # ESLURM_OVER_ALLOCATE
    7006: "Query result exceeds size limit",  # ESLURM_RESULT_TOO_LARGE
    7007: "Too wide of a date range in query",  # ESLURM_DB_QUERY_TOO_WIDE
    7008: "Database connection reference is invalid",  # ESLURM_DB_CONNECTION_INVALID
    7009: "You can not remove the default account of a user",  # ESLURM_NO_REMOVE_DEFAULT_ACCOUNT
    7010: "There is something internally wrong with the SQL needed for this. Please consult the slurmdbd log for more info.",  # ESLURM_BAD_SQL
    7011: "This request would make it so some associations would not have access to their default qos.",  # ESLURM_NO_REMOVE_DEFAULT_QOS
    7012: "Coordinators can not increase job limits beyond the parent ones",  # ESLURM_COORD_NO_INCREASE_JOB_LIMIT
    7013: "No RPC stats are available",  # ESLURM_NO_RPC_STATS
    7014: "Invalid value for Allowed field when SharedPool enabled, must be 0 or 100% (without Absolute) or Count (with Absolute).",  # ESLURM_INVALID_SHARED_POOL_ALLOWED

    # 7100: federation errors
    7100: "Too many clusters in federation",  # ESLURM_FED_CLUSTER_MAX_CNT
    7101: "Clusters can only be assigned to one federation",  # ESLURM_FED_CLUSTER_MULTIPLE_ASSIGNMENT
    7102: "Invalid cluster feature specification",  # ESLURM_INVALID_CLUSTER_FEATURE
    7103: "Not a valid federated job",  # ESLURM_JOB_NOT_FEDERATED
    7104: "Invalid cluster name",  # ESLURM_INVALID_CLUSTER_NAME
    7105: "Job locked by another sibling",  # ESLURM_FED_JOB_LOCK
    7106: "No eligible clusters for federated job",  # ESLURM_FED_NO_VALID_CLUSTERS

    # 7200: topology eval_nodes rejection reasons (ESLURM_TOPO_ERROR_START=7200 and ESLURM_TOPO_ERROR_END=7300 are range markers, not errors)
    7201: "Required nodes lack available resources",  # ESLURM_TOPO_REQ_NODES_NOT_AVAIL
    7202: "Required nodes do not fit topology",  # ESLURM_TOPO_REQ_NODES_NO_MATCH_TOPO
    7203: "No suitable topology unit found",  # ESLURM_TOPO_NO_FIT
    7204: "No suitable topology unit found for segment",  # ESLURM_TOPO_SEGMENT_NO_FIT
    7205: "Insufficient resources in topology unit",  # ESLURM_TOPO_INSUFFICIENT_RESOURCES
    7206: "Weight-based selection could not satisfy request within topology unit",  # ESLURM_TOPO_WEIGHT_NO_FIT
    7207: "Exceeded maximum node limit during topology allocation",  # ESLURM_TOPO_MAX_NODE_LIMIT
    7208: "No available nodes in topology",  # ESLURM_TOPO_EMPTY_NODE_MAP

    # 7400: Lua wrapper errors
    7400: "Invalid or NULL Lua state pointer",  # ESLURM_LUA_INVALID_STATE
    7401: "Lua script loading failed due to invalid syntax",  # ESLURM_LUA_INVALID_SYNTAX
    7402: "Requested Lua function not found",  # ESLURM_LUA_FUNC_NOT_FOUND
    7403: "Lua function returned nil or table instead of numeric result",  # ESLURM_LUA_FUNC_INVALID_RC
    7404: "Lua function execution failed for unknown reasons",  # ESLURM_LUA_FUNC_FAILED
    7405: "Lua function execution failed due to runtime error",  # ESLURM_LUA_FUNC_FAILED_RUNTIME_ERROR
    7406: "Lua function execution failed due to memory allocation failure. Either not enough memory for Lua script's variables or memory allocation request for a variable was way too large.",  # ESLURM_LUA_FUNC_FAILED_ENOMEM
    7407: "Lua function execution failed due to unknown failure in Lua's garbage collector",  # ESLURM_LUA_FUNC_FAILED_GARBAGE_COLLECTOR
    7408: "Unknown or unparsable Lua type found at top of Lua stack",  # ESLURM_LUA_INVALID_CONVERSION_TYPE

    # 8000: plugin and custom errors
    8000: "Time limit specification required, but not provided",  # ESLURM_MISSING_TIME_LIMIT
    8002: "Plugin has invalid format or unable to be loaded",  # ESLURM_PLUGIN_INVALID
    8003: "Plugin missing required symbol or function",  # ESLURM_PLUGIN_INCOMPLETE
    8004: "Required plugin type not loaded or initialized",  # ESLURM_PLUGIN_NOT_LOADED
    8005: "Plugin file not found",  # ESLURM_PLUGIN_NOTFOUND
    8006: "Plugin access denied",  # ESLURM_PLUGIN_ACCESS_ERROR
    8007: "Dlopen of plugin file failed",  # ESLURM_PLUGIN_DLOPEN_FAILED
    8008: "Plugin init() callback failed",  # ESLURM_PLUGIN_INIT_FAILED
    8009: "Plugin name/type/version symbol missing",  # ESLURM_PLUGIN_MISSING_NAME
    8010: "Incompatible plugin version",  # ESLURM_PLUGIN_BAD_VERSION

    # 9000: REST errors
    9000: "Query empty or not RFC7320 compliant",  # ESLURM_REST_INVALID_QUERY
    9001: "Failure during parsing",  # ESLURM_REST_FAIL_PARSING
    9002: "Jobs description entry not found, empty or not dictionary or list",  # ESLURM_REST_INVALID_JOBS_DESC
    9003: "Nothing found with query",  # ESLURM_REST_EMPTY_RESULT
    9004: "Missing UNIX user in the system",  # ESLURM_REST_MISSING_UID
    9005: "Missing UNIX group in the system",  # ESLURM_REST_MISSING_GID
    9007: "Requested HTTP query method is not supported at URL endpoint. Please query the '/openapi/v3' endpoint or visit 'https://slurm.schedmd.com/rest_api.html' for the OpenAPI specification which includes a list of all possible slurmrestd endpoints.",  # ESLURM_REST_UNKNOWN_URL_METHOD
    9008: "Authentication failure",  # ESLURM_REST_AUTH_FAIL
    9009: "Query requirements not met",  # ESLURM_REST_BAD_REQUEST

    # 9200: data_t / data_parser errors
    9200: "Unable to resolve path",  # ESLURM_DATA_PATH_NOT_FOUND
    9201: "Data pointer is NULL",  # ESLURM_DATA_PTR_NULL
    9202: "Unable to convert Data type",  # ESLURM_DATA_CONV_FAILED
    9203: "Unable to compile regex",  # ESLURM_DATA_REGEX_COMPILE
    9204: "MIME type is unknown to any loaded plugins",  # ESLURM_DATA_UNKNOWN_MIME_TYPE
    9205: "Data too large to handle",  # ESLURM_DATA_TOO_LARGE
    9206: "Data parser expects flags to be a list",  # ESLURM_DATA_FLAGS_INVALID_TYPE
    9207: "Data parser unable to parse invalid flag",  # ESLURM_DATA_FLAGS_INVALID
    9208: "Data parser expected a list",  # ESLURM_DATA_EXPECTED_LIST
    9209: "Data parser expected a dictionary or object",  # ESLURM_DATA_EXPECTED_DICT
    9210: "Request matched more than one object to modify. Modifications must only apply to a single object. Try adding more properties to make update match a unique object.",  # ESLURM_DATA_AMBIGUOUS_MODIFY
    9211: "Request matched more than one object to query. Request is limited to query of a single matching object.",  # ESLURM_DATA_AMBIGUOUS_QUERY
    9212: "Request to parse empty string rejected",  # ESLURM_DATA_PARSE_NOTHING
    9213: "Invalid parser requested",  # ESLURM_DATA_INVALID_PARSER
    9214: "Parsing tree too deep. Possible cyclic parsing detected",  # ESLURM_DATA_PARSING_DEPTH
    9215: "Parser went into an invalid state. Possible library issue.",  # ESLURM_DATA_PARSER_INVALID_STATE
    9216: "Request to parse invalid data",  # ESLURM_DATA_PARSE_BAD_INPUT

    # 9300: UTF errors
    9300: "Invalid or reserved UTF code point",  # ESLURM_UTF_INVALID_CODE
    9301: "Unable to read invalid UTF-8 character",  # ESLURM_UTF8_INVALID_READ
    9302: "Unable to read UTF-8 multibyte character before string termination",  # ESLURM_UTF8_READ_ILLEGAL_TERMINATION
    9303: "Invalid second byte of UTF-8 multibyte character",  # ESLURM_UTF8_INVALID_BYTE_2
    9304: "Invalid third byte of UTF-8 multibyte character",  # ESLURM_UTF8_INVALID_BYTE_3
    9305: "Invalid fourth byte of UTF-8 multibyte character",  # ESLURM_UTF8_INVALID_BYTE_4
    9306: "Rejecting reserved UTF code",  # ESLURM_UTF_RESERVED_CODE
    9307: "Rejecting UTF-16 surrogate code",  # ESLURM_UTF16_SURROGATE_CODE
    9308: "Rejecting private use only UTF code",  # ESLURM_UTF_PRIVATE_CODE
    9309: "Rejecting noncharacter UTF code",  # ESLURM_UTF_NONCHARACTER_CODE
    9310: "Rejecting U+0 code for null character",  # ESLURM_UTF_NULL_CODE
    9311: "UTF-16BE encoding schema is unsupported",  # ESLURM_UTF16BE_SCHEMA
    9312: "UTF-16LE encoding schema is unsupported",  # ESLURM_UTF16LE_SCHEMA
    9313: "UTF-32BE encoding schema is unsupported",  # ESLURM_UTF32BE_SCHEMA
    9314: "UTF-32LE encoding schema is unsupported",  # ESLURM_UTF32LE_SCHEMA

    # 10000: container errors
    10000: "Container support is not configured",  # ESLURM_CONTAINER_NOT_CONFIGURED

    # 11000: URL errors
    11000: "Unknown URL scheme",  # ESLURM_URL_UNKNOWN_SCHEME
    11001: "URL string is empty",  # ESLURM_URL_EMPTY
    11002: "Invalid non-NULL terminated URL",  # ESLURM_URL_NON_NULL_TERMINATOR
    11003: "Invalid format for URL format",  # ESLURM_URL_INVALID_FORMATING
    11004: "Invalid or unknown URL scheme",  # ESLURM_URL_INVALID_SCHEME
    11005: "URL scheme not supported",  # ESLURM_URL_UNSUPPORTED_SCHEME
    11006: "Invalid or unknown URL host",  # ESLURM_URL_INVALID_HOST
    11007: "Invalid or unknown URL port",  # ESLURM_URL_INVALID_PORT
    11008: "Invalid or unknown URL path",  # ESLURM_URL_INVALID_PATH
    11009: "Invalid or unknown URL query",  # ESLURM_URL_INVALID_QUERY
    11010: "Invalid or unknown URL fragment",  # ESLURM_URL_INVALID_FRAGMENT
    11011: "URL format not supported",  # ESLURM_URL_UNSUPPORTED_FORMAT

    # 12000: HTTP errors
    12000: "Unspecified error during HTTP parsing",  # ESLURM_HTTP_PARSING_FAILURE
    12001: "Unexpected duplicate URL",  # ESLURM_HTTP_UNEXPECTED_URL
    12002: "Invalid empty HTTP header",  # ESLURM_HTTP_EMPTY_HEADER
    12003: "Invalid HTTP status code",  # ESLURM_HTTP_INVALID_STATUS_CODE
    12004: "Invalid HTTP method",  # ESLURM_HTTP_INVALID_METHOD
    12005: "Missing an expected LF character",  # ESLURM_HTTP_MISSING_LF
    12006: "Unexpected character added or missing in HTTP",  # ESLURM_HTTP_INVALID_CHARACTER
    12007: "Unexpected character or unparsable number in HTTP Content-Length header",  # ESLURM_HTTP_INVALID_CONTENT_LENGTH
    12008: "Invalid HTTP Tranfser-Encoding header",  # ESLURM_HTTP_INVALID_TRANSFER_ENCODING
    12009: "HTTP Chunked Transfer-Encoding not supported",  # ESLURM_HTTP_UNSUPPORTED_CHUNK_ENCODING
    12010: "Received unexpected HTTP Request",  # ESLURM_HTTP_UNEXPECTED_REQUEST
    12011: "Only HTTP version 1.1 requests are supported",  # ESLURM_HTTP_UNSUPPORTED_VERSION
    12012: "HTTP protocol upgrading is not supported.",  # ESLURM_HTTP_UNSUPPORTED_UPGRADE
    12013: "Invalid or unsupported HTTP Content-Encoding header",  # ESLURM_HTTP_INVALID_CONTENT_ENCODING
    12014: "Invalid or unsupported HTTP Content-Encoding header",  # ESLURM_HTTP_UNSUPPORTED_EXPECT
    12015: "Invalid or unsupported HTTP Keep-Alive header",  # ESLURM_HTTP_UNSUPPORTED_KEEP_ALIVE
    12016: "HTTP Content-Length header too large to process",  # ESLURM_HTTP_CONTENT_LENGTH_TOO_LARGE
    12017: "HTTP Content-Length header required for POST method requests",  # ESLURM_HTTP_POST_MISSING_CONTENT_LENGTH
    12018: "Unexpected HTTP body provided when URL Query provided",  # ESLURM_HTTP_UNEXPECTED_BODY
    12019: "HTTP Accept header content type is unknown or unsupported",  # ESLURM_HTTP_UNKNOWN_ACCEPT_MIME_TYPE
    12020: "Missing an expected CR character",  # ESLURM_HTTP_MISSING_CR

    # 13000: TLS errors
    13000: "TLS missing but required for connection",  # ESLURM_TLS_REQUIRED
}

# Names for the numbers the mock raises or maps (Slurm's enum name in the comment).
UNSPECIFIED = -1  # SLURM_ERROR
SUCCESS = 0  # SLURM_SUCCESS
PROTOCOL_AUTH = 1007  # SLURM_PROTOCOL_AUTHENTICATION_ERROR: bad/expired JWT seen by slurmctld/slurmdbd
CTLD_CONNECTION = 1800  # SLURMCTLD_COMMUNICATIONS_CONNECTION_ERROR: controller down
NO_CHANGE_IN_DATA = 1900  # SLURM_NO_CHANGE_IN_DATA
INVALID_PARTITION = 2000  # ESLURM_INVALID_PARTITION_NAME
ACCESS_DENIED = 2002  # ESLURM_ACCESS_DENIED: operator-only slurmdb operations
JOB_SCRIPT_MISSING = 2009  # ESLURM_JOB_SCRIPT_MISSING
USER_ID_MISSING = 2010  # ESLURM_USER_ID_MISSING: "Invalid user id" (node update / reconfigure by a plain user)
PART_CONFIG_UNAVAILABLE = 2015  # ESLURM_REQUESTED_PART_CONFIG_UNAVAILABLE: more CPUs than exist
NODES_BUSY = 2016  # ESLURM_NODES_BUSY: reservation on nodes with jobs
INVALID_JOB_ID = 2017  # ESLURM_INVALID_JOB_ID
INVALID_NODE_NAME = 2018  # ESLURM_INVALID_NODE_NAME
ENV_MISSING_2511 = 2019  # ESLURM_WRITING_TO_FILE: what 25.11 answers for a submit without `environment`
ALREADY_DONE = 2021  # ESLURM_ALREADY_DONE: signal/cancel of a finished job
JOB_HELD = 2042  # ESLURM_JOB_HELD: warning on a held submit
INVALID_ACCOUNT = 2045  # ESLURM_INVALID_ACCOUNT: unknown account or no association
ACCOUNTING_POLICY = 2050  # ESLURM_ACCOUNTING_POLICY: e.g. over MaxSubmitJobsPerUser
INVALID_TIME_LIMIT = 2051  # ESLURM_INVALID_TIME_LIMIT
RESERVATION_INVALID = 2053  # ESLURM_RESERVATION_INVALID: delete of an unknown reservation
RESERVATION_OVERLAP = 2058  # ESLURM_RESERVATION_OVERLAP
MISSING_WORK_DIR = 2063  # ESLURM_MISSING_WORK_DIR: submit without current_working_directory
INVALID_QOS = 2066  # ESLURM_INVALID_QOS: a QOS the user may not use
JOB_NOT_PENDING = 2073  # ESLURM_JOB_NOT_PENDING: update refused on a running job
JOB_FINISHED = 2084  # ESLURM_JOB_FINISHED: update refused on a finished job
ENVIRONMENT_MISSING = 2127  # ESLURM_ENVIRONMENT_MISSING: what 26.05 (and 22.05) answer for a missing `environment`
AUTH_NOBODY = 6010  # ESLURM_AUTH_NOBODY: valid token for a user the system does not know
DB_CONNECTION = 7000  # ESLURM_DB_CONNECTION: slurmdbd rejected the token
DATA_PARSE = 9000  # ESLURM_REST_INVALID_QUERY: slurmrestd's generic parse/query/lookup failure
REST_FAIL_PARSING = 9001  # ESLURM_REST_FAIL_PARSING
REST_INVALID_JOBS_DESC = 9002  # ESLURM_REST_INVALID_JOBS_DESC
REST_AUTH_FAIL = 9008  # ESLURM_REST_AUTH_FAIL
DATA_PATH_NOT_FOUND = 9200  # ESLURM_DATA_PATH_NOT_FOUND: missing required field
DATA_UNKNOWN_MIME_TYPE = 9204  # ESLURM_DATA_UNKNOWN_MIME_TYPE
DATA_FLAGS_INVALID = 9207  # ESLURM_DATA_FLAGS_INVALID: unknown flag name
DATA_EXPECTED_LIST = 9208  # ESLURM_DATA_EXPECTED_LIST
DATA_EXPECTED_DICT = 9209  # ESLURM_DATA_EXPECTED_DICT: e.g. a top-level JSON array on submit
DATA_AMBIGUOUS_MODIFY = 9210  # ESLURM_DATA_AMBIGUOUS_MODIFY
DATA_AMBIGUOUS_QUERY = 9211  # ESLURM_DATA_AMBIGUOUS_QUERY: singular lookup matched several rows
DATA_PARSE_NOTHING = 9212  # ESLURM_DATA_PARSE_NOTHING


def error_text(code: int) -> str:
    return ERRORS.get(code, "Unspecified error")


class SlurmError(Exception):
    """A failure the real daemon reports as an `errors[]` entry (`{description, error_number, error, source}`)."""

    def __init__(self, code: int, description: str = "", source: str = "", *, warnings=None, bare: bool = False,
                 rc: int | None = None, payload: dict | None = None):
        super().__init__(f"{code} {error_text(code)}: {description}")
        # what the failed operation still answers beside the error (sacctmgr-style text, ...)
        self.payload = payload
        self.code = code
        # the return code the handler answers with, which decides the status; usually the first entry's,
        # but some operations list the parser's errors and then answer with their own (9000 -> 422)
        self.rc = code if rc is None else rc
        self.description = description
        self.source = source
        self.warnings = list(warnings or [])
        # refused before the operation ran (its id or query did not parse): the answer has no payload keys
        self.bare = bare

    def entry(self, code: int | None = None) -> dict:
        code = self.code if code is None else code
        return {"description": self.description, "error_number": code, "error": error_text(code),
                "source": self.source}

    def entries(self, code: int | None = None) -> list[dict]:
        """Every errors[] entry of the answer: slurmrestd often adds a second one ("Rejecting request...")."""
        return [self.entry(code), *getattr(self, "extra", [])]

    @classmethod
    def many(cls, entries: list[dict], warnings=None, bare: bool = True, rc: int | None = None) -> "SlurmError":
        """One failure reported as several entries; the first one decides the HTTP status unless `rc` does."""
        first = entries[0]
        err = cls(first["error_number"], first.get("description", ""), first.get("source", ""), warnings=warnings,
                  bare=bare, rc=rc)
        err.extra = list(entries[1:])
        return err


def warning(description: str, source: str) -> dict:
    return {"description": description, "source": source}
