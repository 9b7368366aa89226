"""gunicorn settings for Hamstring Coach.

    gunicorn -c infra/gunicorn.conf.py 'skill:create_app()'

Environment: ``HOST`` (default 127.0.0.1; the container sets 0.0.0.0) and ``PORT`` (default
8000) make the address; ``WEB_CONCURRENCY`` sets the workers (default 2 per CPU plus one, at
most 8) and ``GUNICORN_THREADS`` the threads per worker (default 1).
"""

import multiprocessing
import os

# Importing the skill here loads its code once, in the master: workers fork with it already
# imported (they boot faster and share those pages). Each worker still builds its own app,
# store and connections after the fork (no preload_app).
from skill import logs

MAX_WORKERS = 8

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1,
                                                       MAX_WORKERS))
# gthread keeps HTTP connections alive (the proxy reuses them) even with one thread. More
# threads let a worker answer while another turn waits on a remote database, but a turn is
# mostly CPU: with two threads each request cost about 10% more CPU (bench/).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
keepalive = 5  # seconds; longer than the proxy's upstream keepalive_timeout
timeout = 30
graceful_timeout = 10

# gunicorn 25+ opens a control socket under $HOME or $XDG_RUNTIME_DIR unless told not to.
control_socket_disable = True

# Access log: one JSON object per line on stdout (gunicorn escapes double quotes in values).
accesslog = "-"
access_log_format = (
    '{"logger":"gunicorn.access","time":"%(t)s","remote":"%(h)s","method":"%(m)s",'
    '"path":"%(U)s","query":"%(q)s","status":%(s)s,"bytes":"%(b)s","duration_ms":%(M)s,'
    '"user_agent":"%(a)s"}'
)
errorlog = "-"


def post_fork(server, worker) -> None:
    """Each worker writes the skill's own log records (one per request) as JSON on stderr."""
    logs.configure()
