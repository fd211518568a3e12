"""Tests of the bills domain: masking and the printed documents."""
