"""The WSGI entry point of a checkout: `flask --app wsgi ...`, `gunicorn wsgi:app`."""

from ekesco_api.wsgi import app

__all__ = ["app"]
