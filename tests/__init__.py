"""The test suite; a package so that tests import the shared helpers as `tests.factories`."""
