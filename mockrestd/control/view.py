"""What the live page (`/ui`) shows, as one JSON document (`GET /mockrestd/v1/view`): nodes and their use,
the queue as `squeue` prints it, the clock, and the last requests. The page only draws it."""

from __future__ import annotations

JOURNAL_ROWS = 40       # the page shows the newest requests; the whole journal is GET /mockrestd/v1/journal


def squeue_id(job: dict) -> str:
    """A job's id the way squeue's JOBID column prints it (src/squeue/print.c `_print_job_job_id`):
    an array's pending rest `7_[5-20%4]`, an array task `7_3`, a hetjob component `12+1`, else `7`.
    `job` is a v0.0.44-named job record (`array_task_string`, `array_task_id` None when unset, ...)."""
    array_id = job.get("array_job_id") or job.get("job_id")
    if job.get("array_task_string"):
        return f"{array_id}_[{job['array_task_string']}]"
    if job.get("array_task_id") is not None:
        return f"{array_id}_{job['array_task_id']}"
    if job.get("het_job_id"):
        return f"{job['het_job_id']}+{job.get('het_job_offset') or 0}"
    return str(job.get("job_id"))


def squeue_time(seconds: int) -> str:
    """squeue's TIME column: `0:05`, `12:34`, `1:02:03`, `2-03:04:05`."""
    seconds = max(int(seconds), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def _tres(text: str) -> dict:
    """`cpu=4,mem=2G,gres/gpu=1` → {"cpu": "4", "mem": "2G", "gres/gpu": "1"}."""
    return dict(part.split("=", 1) for part in (text or "").split(",") if "=" in part)


def node_view(n: dict) -> dict:
    total, used = _tres(n.get("tres", "")), _tres(n.get("tres_used", ""))
    gres = [{"name": key[5:], "total": int(count), "used": int(used.get(key, 0))}
            for key, count in total.items() if key.startswith("gres/") and count.isdigit()]
    return {"name": n["name"], "state": n.get("state", []), "cpus": n.get("cpus", 0),
            "alloc_cpus": n.get("alloc_cpus", 0), "real_memory": n.get("real_memory", 0),
            "alloc_memory": n.get("alloc_memory", 0), "gres": gres, "gres_text": n.get("gres", ""),
            "partitions": n.get("partitions", []), "reason": n.get("reason", "")}


def job_view(j: dict, now: float) -> dict:
    states = j.get("job_state", [])
    start, end = j.get("start_time") or 0, j.get("end_time") or 0
    running = "RUNNING" in states
    finished = bool(start) and not running and "PENDING" not in states
    elapsed = int((now if running else end) - start) if start and (running or finished) else 0
    out = {k: j.get(k, "") for k in ("job_id", "name", "user_name", "account", "partition", "job_state",
                                     "state_reason", "nodes", "cpus", "array_job_id", "array_task_string",
                                     "het_job_id", "het_job_offset")}
    limit = j.get("time_limit")
    return out | {"id": squeue_id(j), "array_task_id": j.get("array_task_id"), "elapsed": max(elapsed, 0),
                  "time": squeue_time(elapsed), "submit_time": int(j.get("submit_time") or 0),
                  "start_time": int(start) if start and (running or finished) else 0,
                  "end_time": int(end) if finished else 0,
                  "time_limit": limit if isinstance(limit, int) else None}


def build(site) -> dict:
    c = site.cluster
    now = c.clock.now()
    clock = {"now": now, "speed": getattr(c.clock, "speed", 1.0), "frozen": getattr(c.clock, "frozen", False)}
    journal = list(site.journal)[-JOURNAL_ROWS:][::-1]
    return {"cluster": c.name, "profile": site.profile.release, "versions": list(site.specs.versions),
            "clock": clock, "nodes": [node_view(n) for n in c.node_records()],
            "jobs": sorted((job_view(j, now) for j in c.job_records()), key=_queue_order), "journal": journal,
            "journal_total": len(site.journal)}


def _queue_order(j: dict):
    """An array's tasks and its pending rest together, a hetjob's components together, in id order."""
    group = j["array_job_id"] or j["het_job_id"] or j["job_id"]
    return group, bool(j["array_task_string"]), j["array_task_id"] or j["het_job_offset"] or 0, j["job_id"]
