"""The staff console at /console: one page, a static script, and the same /api/v1 endpoints."""

from ekesco_api.console.routes import bp

__all__ = ["bp"]
