"""Helpers that more than one domain's tests use; a domain's own helpers stay in its folder.

`auth` (the API prefix, bearer headers, customer and staff logins, tokens minted directly),
`customers` (an account with a meter of its own), `areas` (an area tree, accounts living in it),
`outages` (announcing one over HTTP), `delivery` (a recording sender, workers draining at once),
`statements` (counting the SQL a request sends), `pdf` (reading a PDF back), `browser` (Debian's
chromium and the app on 127.0.0.1). Model factories are in `tests/factories.py`, the race helper
in `tests/concurrency.py`.
"""
