"""The request's id, for the audit trail: `ekesco_api.request_ids` assigns it to every request."""

from ekesco_api.request_ids import HEADER, current_request_id

__all__ = ["HEADER", "current_request_id"]
