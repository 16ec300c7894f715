"""The deployment files: Procfile, gunicorn settings, Celery queues, DEPLOY.md.

Nothing here starts a server: the web command is checked with gunicorn's own
``--check-config`` (it loads the configuration and the WSGI application, then
exits), the Celery commands are parsed by Celery's own command line, and the
queues are exercised on kombu's in-memory transport.
"""

import ast
import importlib
import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
PROCFILE = ROOT / "Procfile"
DEPLOY_MD = ROOT / "docs" / "DEPLOY.md"
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "test-deploy-" + "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "qc.example.com",
}


def procfile() -> dict[str, str]:
    """``{process: command}`` as honcho reads it (``name: command`` lines)."""
    processes = {}
    for line in PROCFILE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9_-]+):\s*(.+)", line)
        assert match, f"not a Procfile line: {line!r}"
        name, command = match.groups()
        assert name not in processes, f"process {name} twice"
        processes[name] = command
    return processes


def argv(command: str) -> list[str]:
    """The program's argv: ``${VAR:-default}`` expanded as the shell would
    (unset here), a leading ``mkdir -p … &&`` and ``exec`` taken off."""
    *before, last = command.split("&&")
    for step in before:
        assert shlex.split(step)[:2] == ["mkdir", "-p"], step
    expanded = re.sub(
        r"\$\{(\w+):-([^}]*)\}",
        lambda m: os.environ.get(m.group(1)) or m.group(2),
        last,
    )
    words = shlex.split(expanded)
    return words[1:] if words[0] == "exec" else words


def test_the_procfile_runs_web_worker_and_beat():
    """One process of each kind; the outbox needs no dispatcher of its own
    because beat sends due jobs (``warehouse.tasks.jobs_dispatch``)."""
    processes = procfile()

    assert set(processes) == {"web", "worker", "beat"}
    assert argv(processes["web"])[0] == "gunicorn"
    assert argv(processes["worker"])[:4] == ["celery", "--app", "config", "worker"]
    assert argv(processes["beat"])[:4] == ["celery", "--app", "config", "beat"]
    assert (
        settings.CELERY_BEAT_SCHEDULE["jobs-dispatch"]["task"]
        == "warehouse.tasks.jobs_dispatch"
    )


def test_every_periodic_task_is_a_task_the_worker_knows():
    celery_app.loader.import_default_modules()  # as worker and beat do at start

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


def test_the_web_command_loads_its_config_and_the_application(tmp_path):
    """gunicorn --check-config with the Procfile's own arguments, under
    production settings: the config module imports, the application loads."""
    args = argv(procfile()["web"])
    env = {**os.environ, **PRODUCTION_ENV, "PORT": "8799"}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # config.wsgi sets it, as in production

    done = subprocess.run(  # noqa: S603 - our interpreter, the Procfile's args
        [sys.executable, "-m", *args, "--check-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert args[1] == "config.wsgi:application"
    assert "python:config.gunicorn" in args


def test_the_web_command_fails_the_check_when_the_application_cannot_load():
    """The check above can fail: an application path that does not exist."""
    args = argv(procfile()["web"])
    args[1] = "config.wsgi:no_such_application"

    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", *args, "--check-config"],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode != 0


@pytest.mark.parametrize("process", ["worker", "beat"])
def test_the_celery_commands_parse(process):
    """Celery's own command line accepts every option the Procfile gives,
    and ``--app config`` names the product's Celery application."""
    from celery.bin.base import CLIContext
    from celery.bin.celery import celery as cli

    words = argv(procfile()[process])
    obj = CLIContext(app=celery_app, no_color=True, workdir=None, quiet=True)
    group = cli.make_context("celery", words[1:], obj=obj)
    protected = (  # click 8.2 renamed it
        group._protected_args
        if hasattr(group, "_protected_args")
        else group.protected_args
    )
    name, command, rest = cli.resolve_command(group, [*protected, *group.args])
    context = command.make_context(name, rest, parent=group)

    assert name == process
    assert group.params["app"] == "config"
    assert importlib.import_module("config").celery_app is celery_app
    if process == "worker":
        assert context.params["concurrency"] == 2
        assert not context.params.get("queues"), "the default worker takes every queue"


# --- gunicorn settings -------------------------------------------------------


def _gunicorn(monkeypatch, **environ):
    for name in (
        "WEB_CONCURRENCY",
        "PORT",
        "GUNICORN_BIND",
        "GUNICORN_TIMEOUT",
        "GUNICORN_MAX_REQUESTS",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("config.gunicorn", None)
    return importlib.import_module("config.gunicorn")


def test_gunicorn_settings_are_all_gunicorn_settings(monkeypatch):
    """A misspelt setting would be ignored silently by gunicorn."""
    from gunicorn.config import KNOWN_SETTINGS

    known = {setting.name for setting in KNOWN_SETTINGS}
    module = _gunicorn(monkeypatch)
    names = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, type(os))
    }

    assert names - known == set()
    assert module.worker_class == "sync"
    assert module.threads == 1
    assert module.accesslog == "-"
    assert 0 < module.graceful_timeout <= module.timeout
    assert module.workers == 2 * os.cpu_count() + 1


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    module = _gunicorn(
        monkeypatch,
        WEB_CONCURRENCY="3",
        PORT="5123",
        GUNICORN_TIMEOUT="90",
        GUNICORN_MAX_REQUESTS="1000",
    )

    assert module.workers == 3
    assert module.bind == ["127.0.0.1:5123"]
    assert module.timeout == 90
    assert (module.max_requests, module.max_requests_jitter) == (1000, 100)
    assert _gunicorn(monkeypatch, GUNICORN_BIND="0.0.0.0:80").bind == ["0.0.0.0:80"]


# --- Celery queues -------------------------------------------------------------


QUEUES = {"default", "certificates", "labels", "notifications"}


def test_every_queue_work_is_sent_to_is_consumed_by_the_default_worker():
    """A worker without -Q consumes ``task_queues``: every routed task, every
    job handler's queue and the default queue are among them."""
    from warehouse.common.jobs import _handlers

    consumed = set(celery_app.amqp.queues)
    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}

    assert consumed == QUEUES
    assert {route["queue"] for route in routes.values()} <= consumed
    assert {handler.queue for handler in _handlers.values()} <= consumed
    assert settings.CELERY_TASK_DEFAULT_QUEUE in consumed
    assert _handlers["inspection.certificate_issue"].queue == "certificates"
    assert _handlers["fulfilment.shipment_label"].queue == "labels"
    assert _handlers["fulfilment.webhooks_deliver"].queue == "notifications"


@pytest.fixture
def memory_broker():
    """A kombu in-memory broker with the product's queues declared and empty;
    tasks are sent to it instead of running in-process."""
    connection = celery_app.connection_for_write("memory://")
    channel = connection.default_channel
    for queue in celery_app.amqp.queues.values():
        queue(channel).declare()
        channel.queue_purge(queue.name)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False

    def waiting() -> dict[str, int]:
        return {
            name: channel.queue_declare(queue=name, passive=True).message_count
            for name in sorted(QUEUES)
        }

    yield connection, waiting
    celery_app.conf.task_always_eager = previous
    for name in QUEUES:
        channel.queue_purge(name)
    connection.release()


def test_each_queue_has_a_binding_of_its_own():
    """On a broker that routes by exchange and key, queues sharing one binding
    would each get a copy of every message."""
    bindings = [
        (queue.name, queue.exchange.name, queue.routing_key)
        for queue in celery_app.amqp.queues.values()
    ]

    assert all(name == exchange == key for name, exchange, key in bindings)


def test_each_kind_of_work_lands_in_its_own_queue_once(memory_broker):
    """A certificate, a label job, a webhook job and a periodic sweep each end
    up as one message in the queue meant for it."""
    from warehouse.common.jobs import _handlers
    from warehouse.common.tasks import job_run_task, jobs_dispatch_task

    connection, waiting = memory_broker

    job_run_task.apply_async(
        args=[1],
        queue=_handlers["inspection.certificate_issue"].queue,
        connection=connection,
    )
    assert waiting() == {
        "certificates": 1,
        "default": 0,
        "labels": 0,
        "notifications": 0,
    }
    for job in ("fulfilment.shipment_label", "fulfilment.webhooks_deliver"):
        job_run_task.apply_async(
            args=[1], queue=_handlers[job].queue, connection=connection
        )
    jobs_dispatch_task.apply_async(connection=connection)

    assert waiting() == {
        "certificates": 1,
        "default": 1,
        "labels": 1,
        "notifications": 1,
    }


def test_a_worker_child_gives_freed_memory_back_after_each_task(monkeypatch):
    """Only in a prefork child (``worker_process_init``), after every task."""
    from celery.signals import task_postrun, worker_process_init

    import config.celery

    trims = []
    monkeypatch.setattr(config.celery, "_TRIM", trims.append)

    def task_done():
        task_postrun.send(sender=None, task_id="t", task=None, args=(), kwargs={})

    task_done()
    assert trims == []  # not in this (web or test) process
    worker_process_init.send(sender=None)
    try:
        task_done()
        task_done()
        assert trims == [0, 0]  # malloc_trim(0) after each
    finally:
        task_postrun.disconnect(dispatch_uid="qcw-malloc-trim")


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_its_database_connection_between_tasks(tmp_path):
    """Celery's Django fix-up would close it around every task (a new
    connection, ~10 ms, per task); with CELERY_DB_REUSE_MAX the worker keeps
    it open as a web process does (DB_CONN_MAX_AGE): the same backend serves
    every task. The worker's connections are told apart from any other on the
    test database by their application name (libpq's PGAPPNAME)."""
    from django.db import connection

    from tests.conftest import TASK_SECONDS, celery_worker, wait_for
    from warehouse.common.tasks import jobs_dispatch_task

    application = f"qcw-test-worker-{uuid.uuid4().hex[:8]}"

    def worker_backends() -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s",
                [application],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def tasks_done(count: int):
        ids = [jobs_dispatch_task.delay().id for _ in range(count)]
        wait_for(
            lambda: all(f"[{i}] succeeded" in log.read_text() for i in ids),
            TASK_SECONDS,
            f"{count} tasks",
            log,
        )

    log = tmp_path / "worker.log"
    environment = {"DB_CONN_MAX_AGE": "600", "PGAPPNAME": application}
    with celery_worker(log, env=environment):
        tasks_done(1)
        first = worker_backends()
        tasks_done(3)

        assert len(first) == 1  # open after its task
        assert worker_backends() == first  # and the same one served the next


# --- DEPLOY.md -----------------------------------------------------------------


def settings_environment() -> set[str]:
    """Every environment variable ``config/settings.py`` reads (``env.<type>(NAME``
    and ``Env().<type>(NAME``), found in its syntax tree."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func.value, ast.Name) and node.func.value.id == "env")
                or (
                    isinstance(node.func.value, ast.Call)
                    and getattr(node.func.value.func, "attr", "") == "Env"
                )
            )
        ):
            names.add(node.args[0].value)
    return names


def test_deploy_md_names_every_setting_from_the_environment():
    text = DEPLOY_MD.read_text()
    gunicorn_names = set(
        re.findall(
            r"""(?:_int\(|environ\.get\()["']([A-Z_]+)["']""",
            (ROOT / "config" / "gunicorn.py").read_text(),
        )
    )
    names = settings_environment() | gunicorn_names

    assert len(names) > 40  # the walk above found them
    assert {"DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY"} <= names
    missing = sorted(name for name in names if f"`{name}`" not in text)
    assert not missing, f"docs/DEPLOY.md does not mention {missing}"
