"""Payments: those made elsewhere (from the CIS) and the app's own."""
