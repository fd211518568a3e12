"""gunicorn's settings from a checkout: `gunicorn -c gunicorn.conf.py wsgi:app`.

They live in the package, `ekesco_api/gunicorn_conf.py`, so that an installed service has them
too (`gunicorn -c python:ekesco_api.gunicorn_conf ekesco_api.wsgi:app`).
"""

from ekesco_api.gunicorn_conf import *  # noqa: F403  (every setting and hook, as gunicorn reads them)
