"""Server CPU per request: what a page costs the servers, whoever generates the load.

Requests per second on loopback measure the whole machine: the load
generator shares its cores with the servers, and takes a larger part of
them the faster a server answers. So beside each load the benchmark reads,
from ``/proc``, the CPU time its servers used meanwhile: the server's own
process tree (gunicorn's master and workers, or varnishd's manager and
child) and every PostgreSQL process (a page's queries cost the database's
CPU too; idle, it uses next to none). Divided by the requests answered,
that is the server CPU per request; the floor's divided by a page's is how
many of that page the floor's CPU would serve, a capacity ratio that does
not depend on the load generator's share.

On a system without ``/proc`` every reading is ``None`` and the report
leaves the column empty.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")
# Processes counted with every server: the database the pages query.
ALSO_COUNTED = ("postgres",)


def _ticks_per_second() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (AttributeError, ValueError, OSError):
        return 100


TICKS = _ticks_per_second()


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(name, parent pid, CPU ticks) of one process.

    The ticks are its own, in user and system mode, and those of the children
    it has waited for: a worker that ended and was replaced still counts.
    """
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may hold spaces or parentheses itself.
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # After the name: state, ppid, ...; utime, stime, cutime and cstime are
    # the 12th to 15th fields.
    return name, int(fields[1]), sum(int(tick) for tick in fields[11:15])


def _processes() -> dict[int, tuple[str, int, int]]:
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                found[int(entry.name)] = stat
    return found


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def snapshot(roots: Iterable[int]) -> dict[int, int] | None:
    """CPU ticks so far of each process under ``roots`` and of each database process."""
    if not available():
        return None
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (_name, parent, _ticks) in processes.items():
        children.setdefault(parent, []).append(pid)
    counted, todo = set(), [pid for pid in roots if pid in processes]
    while todo:
        pid = todo.pop()
        if pid not in counted:
            counted.add(pid)
            todo.extend(children.get(pid, []))
    counted.update(pid for pid, (name, _p, _t) in processes.items() if name in ALSO_COUNTED)
    return {pid: processes[pid][2] for pid in counted}


def seconds_between(before: dict[int, int] | None, after: dict[int, int] | None) -> float | None:
    """CPU seconds the processes used between two snapshots.

    A process that started in between counts from zero; one that ended in
    between counts in its parent's reaped children's time, once its parent
    has waited for it.
    """
    if before is None or after is None:
        return None
    ticks = sum(now - before.get(pid, 0) for pid, now in after.items())
    return max(ticks, 0) / TICKS
