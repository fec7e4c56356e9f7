"""Worker entry point: huey_consumer worker.huey (the web's is wsgi.py). It builds the app once, from the same
environment as the web app, so the worker reads the queue (HUEY_URL) the web app writes to and the database it
stores uploads in."""

from portal import create_app, queue

app = create_app()
huey = queue.huey_of(app)
if huey.immediate:
    raise RuntimeError("The worker needs a real queue: unset QUDAO_HUEY_IMMEDIATE and HUEY_URL=memory://")
