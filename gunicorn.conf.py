"""gunicorn settings for the web processes (read by gunicorn from the working directory).

Threaded workers (gthread): WEB_CONCURRENCY processes with WEB_THREADS threads each. Pages
wait on PostgreSQL most of the time, so threads let one process serve several requests at
once; the table in README ("Sizing the web tier") is the measurement behind the defaults.
Each process keeps a pool of up to WEB_THREADS database connections (psycopg_pool, see
DATABASE_POOL_MAX_SIZE in settings.py): at most WEB_CONCURRENCY x WEB_THREADS connections.
"""

import os

bind = os.environ.get("ODS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
# One database connection per thread, pooled per process (set before the app is loaded in
# each worker, so the web processes pool and Celery's do not).
os.environ.setdefault("DATABASE_POOL_MAX_SIZE", str(threads))

timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
# Seconds an idle client connection is kept open. Behind a proxy that reuses its upstream
# connections, make this longer than the proxy's idle timeout (else the proxy may send on a
# connection gunicorn is just closing, and the request fails with a reset).
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Recycle a process now and then, so that no slow growth of memory lasts.
max_requests = 5000
max_requests_jitter = 500
# The workers' liveness files in memory, not on a disk that may stall (gunicorn's advice).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# gunicorn 27 opens a control socket at one fixed path per user by default, so a second
# instance on the same host takes it over and stopping either removes it. Off unless an
# instance is given a path of its own.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

accesslog = "-"
# The request id (also sent as X-Request-ID and written on every log line of the request).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
