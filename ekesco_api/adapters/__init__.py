"""Clients of external systems (SMS gateway, SMTP, push), each behind a small interface."""
