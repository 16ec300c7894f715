"""gunicorn settings for production: ``gunicorn -c python:config.gunicorn``.

Every value can be changed from the environment (docs/DEPLOY.md lists them).
Sync workers, one request at a time each, every worker holding its own
PostgreSQL connection open between requests (``DB_CONN_MAX_AGE`` in
``config.settings``; a new connection costs ~10 ms here): a long upload then
never delays a scan in a sibling thread, and ``bench/`` measured no gain from
threads on this work. Behind a reverse proxy (nginx, a load balancer) that
terminates TLS and buffers slow clients.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# Where to listen: GUNICORN_BIND, else PORT (honcho and most process managers
# set it) on loopback, for the proxy in front.
bind = [os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"]
backlog = 2048

# 2 x cores + 1 by default (WEB_CONCURRENCY is the usual name for it).
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
threads = 1

# A 100,000-item inbound notice is accepted in well under 20 s; nothing the
# product serves should take a minute. On SIGTERM (deploys, `honcho` or
# systemd stopping) workers finish the requests they hold for up to
# graceful_timeout seconds.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Off by default (bench/worker_memory.py: no growth); a safety net if set.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# gunicorn takes the WSGI scheme from X-Forwarded-Proto sent by these
# addresses only (the proxy's). Django reads that header itself
# (SECURE_PROXY_SSL_HEADER) and the client's address from X-Forwarded-For
# (TRUSTED_PROXY_COUNT, warehouse/common/proxies.py): both hold only while nothing
# but the proxy reaches gunicorn, hence the loopback bind above.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One line per request on stdout: client, request, status, bytes, duration in
# milliseconds, the proxy's X-Forwarded-For, user agent. Errors on stderr.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms xff="%({x-forwarded-for}i)s" "%(a)s"'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "qcw-web"
# gunicorn 24+ opens a control socket in ~/.gunicorn; two deployments under
# one user would share it. Off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# Heartbeat files in memory, not on a disk that may stall (containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108


def worker_exit(server, worker):
    """Close the worker's database connections so PostgreSQL sees a clean
    goodbye rather than a dropped socket."""
    from django.conf import settings
    from django.db import connections

    if settings.configured:  # the worker loaded the application
        connections.close_all()
