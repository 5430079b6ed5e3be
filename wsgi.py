"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

import gc

from market import create_app

app = create_app()
# What was built at start-up lives as long as the process: leave it out of every garbage
# collection, so that a full collection does not stall requests for tens of milliseconds.
gc.freeze()
