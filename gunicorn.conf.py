"""gunicorn settings of `make run` and the HTTP benchmark, chosen by the database in use."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
control_socket_disable = True  # several servers may run on one machine (tests, benchmarks)

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # Requests wait on PostgreSQL most of their time. Greenlets let the waits of one process
    # overlap without OS threads handing every request and socket to each other: 17% more
    # transfers/s and a lower p99 than 8 threads, measured in 5 interleaved pairs of runs.
    # psycopg sees gevent's patched select and waits cooperatively.
    worker_class = "gevent"
    worker_connections = 100
else:
    # SQLite's C calls (and its busy wait on the write lock) would block every greenlet of
    # the process, including the one holding the lock: threads instead.
    worker_class = "gthread"
    threads = 8
