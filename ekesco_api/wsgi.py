"""The WSGI application of an installed service: `gunicorn ekesco_api.wsgi:app`."""

from ekesco_api import create_app

app = create_app()
