"""gunicorn settings for Hamstring Coach.

    gunicorn -c infra/gunicorn.conf.py 'skill:create_app()'

Environment: ``HOST`` (default 127.0.0.1; the container sets 0.0.0.0) and ``PORT`` (default
8000) make the address; ``WEB_CONCURRENCY`` sets the workers (default 2 per CPU plus one, at
most 8) and ``GUNICORN_THREADS`` the threads per worker (default 1). ``HAMSTRING_REQUEST_LOG``
defaults to ``server`` here: the access log line of each request carries the skill's fields.
"""

import gc
import multiprocessing
import os

# Importing the skill's web app here loads its code and its stacks (Flask, ask-sdk,
# cryptography) once, in the master: workers fork with them already imported (they boot
# faster and share those pages). Each worker still builds its own app, store and
# connections after the fork (no preload_app).
import skill.app  # noqa: F401
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

# Access log: one JSON object per request on stdout, with the skill's request id, intent,
# outcome... in it (skill/gunicorn_log.py), so the skill doesn't log a second line of its own.
accesslog = "-"
logger_class = "skill.gunicorn_log.AccessLogger"
os.environ.setdefault("HAMSTRING_REQUEST_LOG", "server")
errorlog = "-"


def post_fork(server, worker) -> None:
    """Each worker writes the skill's other log records (warnings, errors) as JSON on stderr."""
    logs.configure()


def post_worker_init(worker) -> None:
    """The app is built: keep what it holds for good (packs, routines, the SDK's types) out
    of the garbage collector's full passes, which walked all of it every few hundred turns."""
    gc.freeze()
