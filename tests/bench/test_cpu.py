"""The benchmark counts the CPU of the processes it started, nobody else's."""

import os

from bench.cpu import BackendMeter, backends_used, database_url, session_cpu

CLK = os.sysconf("SC_CLK_TCK")


def fake_process(proc, pid, *, session, ticks, name="python", parent=1):
    """A /proc/<pid>/stat line: utime, stime, cutime, cstime = ``ticks``."""
    utime, stime, cutime, cstime = ticks
    fields = [
        "S", parent, session, session, 0, -1, 0, 0, 0, 0, 0,
        utime, stime, cutime, cstime, 20, 0, 1, 0, 100,
    ]  # fmt: skip
    (proc / str(pid)).mkdir()
    line = f"{pid} ({name} ) x) " + " ".join(map(str, fields))
    (proc / str(pid) / "stat").write_text(line)


def test_session_cpu_counts_the_session_and_what_it_reaped_only(tmp_path):
    """The benchmark's gunicorn session: master (with the CPU of a worker it
    reaped) and a worker. Another gunicorn outside the session, however named,
    and a PostgreSQL process are not counted."""
    fake_process(tmp_path, 500, session=500, ticks=(10, 5, 30, 10), name="gunicorn")
    fake_process(tmp_path, 501, session=500, ticks=(100, 20, 0, 0), name="gunicorn")
    fake_process(tmp_path, 900, session=900, ticks=(999, 999, 0, 0), name="gunicorn")
    fake_process(tmp_path, 42, session=42, ticks=(777, 1, 0, 0), name="postgres")
    (tmp_path / "self").mkdir()
    (tmp_path / "702").mkdir()  # gone: no stat file left

    assert session_cpu(500, tmp_path) == (10 + 5 + 30 + 10 + 100 + 20) / CLK
    assert session_cpu(123, tmp_path) == 0


def test_backends_are_counted_by_name_exited_ones_up_to_their_last_reading():
    """Per application name: growth since the first reading; a backend that
    exited keeps its last reading; a pid reused by a new backend (another start
    time) counts from zero."""
    web, worker = "qcw-bench-web", "qcw-bench-worker"
    meter = BackendMeter(connect=None, names=(web, worker))
    meter.first = {(10, "t0"): (web, 1.0), (11, "t0"): (worker, 2.0)}
    meter.last = dict(meter.first)
    meter.record({(10, "t0"): (web, 3.0), (11, "t0"): (worker, 2.5)})
    # Backend 11 exits; its pid comes back serving a new worker connection.
    meter.record({(10, "t0"): (web, 4.0), (11, "t9"): (worker, 0.25)})

    assert meter.used() == {web: 3.0, worker: 0.5 + 0.25}


def test_backends_used_between_two_readings():
    before = {(1, "a"): ("web", 1.0)}
    after = {(1, "a"): ("web", 1.5), (2, "b"): ("web", 0.5)}
    assert backends_used(before, after) == {"web": 1.0}


def test_database_url_names_the_connection():
    url = "postgres://postgres@127.0.0.1:5432/qcw_bench?sslmode=disable"
    assert database_url(url, "qcw-bench-web") == (
        "postgres://postgres@127.0.0.1:5432/qcw_bench"
        "?sslmode=disable&application_name=qcw-bench-web"
    )
    again = database_url(database_url(url, "a"), "b")
    assert again.endswith("?sslmode=disable&application_name=b")
