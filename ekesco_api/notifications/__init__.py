"""The message outbox, its templates and the delivery worker."""
