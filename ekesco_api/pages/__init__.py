"""The pages this service serves beside the API: /docs, /reset-password, /payments/return."""

from ekesco_api.pages.routes import bp

__all__ = ["bp"]
