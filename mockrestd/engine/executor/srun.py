"""`srun` inside a job that mockrestd runs (execute mode): runs a command as a job step on this machine.

Standalone on purpose (standard library only, run with `python3 -I`): the executor copies it to
`<spool>/bin/srun`, first on the job's PATH. Each call takes the next step id of the job (`<id>.0`, `<id>.1`,
...), runs its command once per task with SLURM_PROCID / SLURM_LOCALID / SLURM_NODEID / SLURM_STEP_ID set,
each task in its own process group (as slurmstepd does), and leaves a JSON record of the step (start, end,
exit code, CPU time) in `<spool>/job<id>/steps/<n>.json` for the mock's accounting. A failed task
is reported like real srun does (src/srun/launch.c), e.g. `srun: error: node1: task 0: Exited with exit code 1`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

SPOOL = Path(__file__).resolve().parent.parent
# options that take a value when given as `-x VALUE` / `--long VALUE`
_WITH_VALUE = {"-n", "--ntasks", "-N", "--nodes", "-c", "--cpus-per-task", "-J", "--job-name", "-o", "--output",
               "-e", "--error", "-i", "--input", "-D", "--chdir", "-t", "--time", "-p", "--partition",
               "--ntasks-per-node", "--mem", "--mem-per-cpu", "--export", "--gres", "--gpus", "-G", "-w",
               "--nodelist", "-x", "--exclude", "--mpi", "--cpu-bind", "--distribution", "-m", "-A",
               "--account", "--qos", "-q", "--het-group", "--kill-on-bad-exit", "-K", "--signal"}


def parse(argv: list) -> tuple[dict, list]:
    """srun's options we act on (the others are accepted and ignored) and the command."""
    opts, i = {}, 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return opts, argv[i + 1:]
        if not arg.startswith("-") or arg == "-":
            return opts, argv[i:]
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
        elif arg in _WITH_VALUE:
            name, value = arg, argv[i + 1] if i + 1 < len(argv) else ""
            i += 1
        elif len(arg) > 2 and arg[1] != "-" and arg[:2] in _WITH_VALUE:
            name, value = arg[:2], arg[2:]
        else:
            name, value = arg, True
        opts[{"-n": "--ntasks", "-N": "--nodes", "-c": "--cpus-per-task", "-J": "--job-name", "-o": "--output",
              "-e": "--error", "-i": "--input", "-D": "--chdir", "-l": "--label"}.get(name, name)] = value
        i += 1
    return opts, []


def _next_step(steps: Path) -> int:
    steps.mkdir(parents=True, exist_ok=True)
    n = 0
    while True:
        try:
            os.close(os.open(steps / f"{n}.json", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return n
        except FileExistsError:
            n += 1


def _write(path: Path, record: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    os.replace(tmp, path)


def _layout(nodes: list, cpus: list, ntasks: int, nnodes: int | None) -> list:
    """The node index of each task, in block distribution: every step node one task first, then each node
    filled up to its CPUs in order, then round robin (overcommit)."""
    count = max(1, min(len(nodes), nnodes or ntasks))
    room = [max(1, cpus[i] if i < len(cpus) else 1) for i in range(count)]
    per, left = [0] * count, ntasks
    for i in range(count):
        if left:
            per[i], left = 1, left - 1
    for i in range(count):
        extra = min(left, room[i] - per[i])
        per[i], left = per[i] + extra, left - extra
    i = 0
    while left:
        per[i % count], left, i = per[i % count] + 1, left - 1, i + 1
    return [n for n, k in enumerate(per) for _ in range(k)]


def _task_string(ids: list) -> str:
    """engine.hostlist.ranges, copied: this program runs once per srun and must not import the package."""
    ids, parts, i = sorted(ids), [], 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        parts.append(str(ids[i]) if i == j else f"{ids[i]}-{ids[j]}")
        i = j + 1
    return ",".join(parts)


def _pump(src, dst, label: str) -> None:
    for line in iter(src.readline, b""):
        dst.write((label.encode() + line) if label else line)
        dst.flush()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts, command = parse(argv)
    if not command:
        print("srun: fatal: No command given to execute.", file=sys.stderr)
        return 1
    job_id = os.environ.get("SLURM_JOB_ID", "")
    job_dir = SPOOL / f"job{job_id}"
    try:
        launch = json.loads((job_dir / "launch.json").read_text())
    except (OSError, ValueError):
        print("srun: error: Unable to create step for job: Invalid job id specified", file=sys.stderr)
        return 1
    nodes, cpus = launch["nodes"], launch["cpus"]
    nnodes = int(opts["--nodes"].split("-")[0]) if isinstance(opts.get("--nodes"), str) else None
    if isinstance(opts.get("--ntasks"), str):
        ntasks = int(opts["--ntasks"])
    elif launch.get("tasks"):
        ntasks = int(launch["tasks"])
    else:
        ntasks = nnodes or len(nodes)         # one task per node of the allocation
    task_node = _layout(nodes, cpus, ntasks, nnodes)
    step_nodes = sorted(set(task_node))
    step_id = _next_step(job_dir / "steps")
    record_path = job_dir / "steps" / f"{step_id}.json"
    record = {"step_id": step_id, "name": opts.get("--job-name") if isinstance(opts.get("--job-name"), str)
              else os.path.basename(command[0]), "command": command, "nodes": [nodes[n] for n in step_nodes],
              "tasks": ntasks, "start": time.time(), "end": None, "pid": os.getpid(), "pgids": [],
              "state": "RUNNING", "exit_code": None, "signal": None, "user_cpu": 0.0, "sys_cpu": 0.0,
              "max_rss_kb": 0}
    names = [nodes[k] for k in step_nodes]
    step_nodelist = launch.get("nodelist", "") if len(names) == len(nodes) else ",".join(names)
    base = dict(os.environ)
    cwd = opts.get("--chdir") if isinstance(opts.get("--chdir"), str) else None
    label = bool(opts.get("--label"))
    out_file = opts.get("--output") if isinstance(opts.get("--output"), str) else None
    procs = []
    local = {}
    for rank, n in enumerate(task_node):
        env = dict(base)
        env.update({
            "SLURM_PROCID": str(rank), "SLURM_LOCALID": str(local.setdefault(n, 0)), "SLURM_NODEID": str(n),
            "SLURM_STEP_ID": str(step_id), "SLURM_STEPID": str(step_id), "SLURM_STEP_NUM_TASKS": str(ntasks),
            "SLURM_STEP_NUM_NODES": str(len(step_nodes)), "SLURM_NTASKS": str(ntasks),
            "SLURM_NPROCS": str(ntasks), "SLURMD_NODENAME": nodes[n], "SLURM_TOPOLOGY_ADDR": nodes[n],
            "SLURM_STEP_NODELIST": step_nodelist,
            "SLURM_STEP_TASKS_PER_NODE": ",".join(str(task_node.count(k)) for k in step_nodes),
            "SLURM_GTIDS": ",".join(str(r) for r, m in enumerate(task_node) if m == n),
        })
        if isinstance(opts.get("--cpus-per-task"), str):
            env["SLURM_CPUS_PER_TASK"] = opts["--cpus-per-task"]
        local[n] += 1
        stdout = stderr = None
        if out_file:
            path = out_file.replace("%t", str(rank)).replace("%n", str(n)).replace("%N", nodes[n]) \
                .replace("%j", job_id).replace("%s", str(step_id))
            stdout = open(path, "ab" if rank else "wb")
        elif label:
            stdout = stderr = subprocess.PIPE
        try:
            p = subprocess.Popen(command, env=env, cwd=cwd, stdout=stdout, stderr=stderr, process_group=0)
        except OSError as e:
            print(f"slurmstepd: error: execve(): {command[0]}: {e.strerror}", file=sys.stderr)
            procs.append((rank, n, None, 2 << 8))
            continue
        procs.append((rank, n, p, None))
        record["pgids"].append(p.pid)
        if label:
            for src, dst in ((p.stdout, sys.stdout.buffer), (p.stderr, sys.stderr.buffer)):
                threading.Thread(target=_pump, args=(src, dst, f"{rank}: "), daemon=True).start()
    _write(record_path, record)
    pids = [p.pid for _, _, p, _ in procs if p is not None]
    interrupted = []

    def forward(signum, _frame):
        if signum == signal.SIGINT and (not interrupted or time.time() - interrupted[-1] > 1):
            interrupted.append(time.time())
            print("srun: interrupt (one more within 1 sec to abort)", file=sys.stderr)
            print(f"srun: StepId={job_id}.{step_id} tasks {_task_string(list(range(ntasks)))}: running",
                  file=sys.stderr)
            return
        for pid in pids:
            try:
                os.killpg(pid, signal.SIGKILL if signum == signal.SIGINT else signum)
            except ProcessLookupError:
                pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGCONT, signal.SIGALRM):
        signal.signal(sig, forward)
    results = []
    for rank, n, p, status in procs:
        if p is not None:
            while True:
                try:
                    _pid, status, usage = os.wait4(p.pid, 0)
                    break
                except InterruptedError:
                    continue
            p.returncode = os.waitstatus_to_exitcode(status)
            record["user_cpu"] += usage.ru_utime     # (max RSS: the mock samples it; ru_maxrss here
            record["sys_cpu"] += usage.ru_stime      # would count this Python's pages, forked)
        results.append((rank, n, status))
    groups = {}
    for rank, n, status in results:
        if status:
            groups.setdefault((n, status), []).append(rank)
    worst = 0
    for (n, status), ranks in sorted(groups.items(), key=lambda kv: min(kv[1])):
        word = "tasks" if len(ranks) > 1 else "task"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            core = " (core dumped)" if os.WCOREDUMP(status) else ""
            print(f"srun: error: {nodes[n]}: {word} {_task_string(ranks)}: {signal.strsignal(sig)}{core}",
                  file=sys.stderr)
        else:
            print(f"srun: error: {nodes[n]}: {word} {_task_string(ranks)}: Exited with exit code "
                  f"{os.WEXITSTATUS(status)}", file=sys.stderr)
    signaled = [os.WTERMSIG(s) for _, _, s in results if s and os.WIFSIGNALED(s)]
    exited = [os.WEXITSTATUS(s) for _, _, s in results if s and os.WIFEXITED(s)]
    if signaled:
        record.update(state="CANCELLED" if max(signaled) in (signal.SIGTERM, signal.SIGKILL) else "FAILED",
                      signal=max(signaled), exit_code=0)
        worst = 128 + max(signaled)
    elif exited and max(exited):
        record.update(state="FAILED", exit_code=max(exited))
        worst = max(exited)
    else:
        record.update(state="COMPLETED", exit_code=0)
    record["end"] = time.time()
    sys.stdout.flush()
    _write(record_path, record)
    return worst


if __name__ == "__main__":
    sys.exit(main())
