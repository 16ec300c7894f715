"""CPU time of the benchmark's own processes, read from ``/proc``.

The machine is shared: other people's gunicorns, workers and PostgreSQL
backends run beside the benchmark, so nothing is counted by its name.

- Processes. Every server and worker the benchmark starts gets a session of
  its own (``subprocess.Popen(..., start_new_session=True)``: its session id
  is its pid). :func:`session_cpu` sums, over the processes in that session,
  their user and system time plus that of the children they reaped
  (``cutime``/``cstime``): a gunicorn worker or a Celery pool process that
  exits during a run is still counted, through its parent.
- PostgreSQL backends. Each of those processes connects under an
  ``application_name`` of its own (:func:`database_url`). A reading
  (:func:`backends`) takes the pids serving those names from
  ``pg_stat_activity`` and their CPU from ``/proc``; a backend is known by pid
  and start time, so a reused pid is a new backend. A backend that exits has
  no ``/proc`` entry left and its CPU goes nowhere attributable (PostgreSQL's
  postmaster reaps every database's backends), so :class:`BackendMeter` reads
  every ``interval`` seconds in a thread and keeps each backend's last
  reading: one that exits mid-run is counted up to its last reading, at most
  ``interval`` short. The benchmark's processes keep their connections open
  (``CONN_MAX_AGE``), so that is rare.
"""

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

PROC = Path("/proc")
CLK = os.sysconf("SC_CLK_TCK")
# The application_name each of the benchmark's processes connects under.
WEB_APP, WORKER_APP, METER_APP = "qcw-bench-web", "qcw-bench-worker", "qcw-bench-meter"

# (pid, backend start) -> (application_name, CPU seconds)
Reading = dict[tuple[int, str], tuple[str, float]]


def database_url(url: str, application_name: str) -> str:
    """``url`` with ``application_name`` set: the name its backends show."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "application_name"]
    query.append(("application_name", application_name))
    return urlunsplit(parts._replace(query=urlencode(query)))


def proc_stat(pid: int | str, proc: Path = PROC) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first)."""
    try:
        return (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def own_cpu(fields: list[str]) -> float:
    """User + system seconds of the process itself."""
    return (int(fields[11]) + int(fields[12])) / CLK


def session_cpu(session: int, proc: Path = PROC) -> float:
    """CPU seconds of every process in ``session`` and of the children they
    reaped. Processes of other sessions, however named, are not counted."""
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        fields = proc_stat(entry.name, proc)
        if fields is None or int(fields[3]) != session:
            continue
        total += sum(int(fields[i]) for i in (11, 12, 13, 14))
    return total / CLK


def backends(conn, names: Iterable[str], proc: Path = PROC) -> Reading:
    """One reading of the backends serving ``names`` (psycopg connection)."""
    rows = conn.execute(
        "SELECT pid, backend_start::text, application_name FROM pg_stat_activity"
        " WHERE application_name = ANY(%s)",
        [list(names)],
    ).fetchall()
    reading: Reading = {}
    for pid, started, name in rows:
        if (fields := proc_stat(pid, proc)) is not None:
            reading[(pid, started)] = (name, own_cpu(fields))
    return reading


def backends_used(before: Reading, after: Reading) -> dict[str, float]:
    """CPU seconds per application name between two readings; a backend that
    started in between counts from zero."""
    used: dict[str, float] = {}
    for key, (name, cpu) in after.items():
        start = before.get(key, (name, 0.0))[1]
        used[name] = used.get(name, 0.0) + cpu - start
    return used


class BackendMeter:
    """Reads the backends of ``names`` every ``interval`` s from :meth:`start`
    to :meth:`stop`; :meth:`stop` answers CPU seconds per name over that time,
    exited backends included up to their last reading."""

    def __init__(
        self,
        connect: Callable,
        names: Iterable[str],
        interval: float = 0.5,
        proc: Path = PROC,
    ):
        self.connect, self.names = connect, tuple(names)
        self.interval, self.proc = interval, proc
        self.first: Reading = {}
        self.last: Reading = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, reading: Reading) -> None:
        self.last.update(reading)

    def start(self) -> None:
        with self.connect() as conn:
            self.first = backends(conn, self.names, self.proc)
        self.last = dict(self.first)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with self.connect() as conn:
            while not self._stop.wait(self.interval):
                self.record(backends(conn, self.names, self.proc))
            self.record(backends(conn, self.names, self.proc))

    def stop(self) -> dict[str, float]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        return self.used()

    def used(self) -> dict[str, float]:
        used = backends_used(self.first, self.last)
        return {name: used.get(name, 0.0) for name in self.names}


def core_probe(rounds: int = 5) -> float:
    """Milliseconds of CPU a fixed pure-Python workload takes on this core
    (the fastest of ``rounds``): the same on every run, whatever the
    product's code, so figures measured minutes apart can be read together.
    The machine's cores are shared with other guests: a slower probe means a
    busier core, and every CPU figure measured beside it falls with it."""
    import time

    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        total = 0
        for n in range(400_000):
            total += (n * n) % 7
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)
