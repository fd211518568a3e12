"""Requests and complaints: filed in the app, followed by reference, worked by support."""
