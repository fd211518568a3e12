"""/console: the page, its static files, a strict CSP, and its texts in three languages."""

from __future__ import annotations

import json
import re

import pytest

from ekesco_api.console.strings import STRINGS, catalog


def test_the_page_is_served_with_a_strict_csp(client):
    response = client.get("/console")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_page_has_no_inline_script_or_style(client):
    html = client.get("/console").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    for attributes, body in scripts:
        # Either a file of our own, or a data block the browser never runs.
        assert 'src="/console/static/' in attributes or 'type="application/json"' in attributes
        if "src=" in attributes:
            assert body.strip() == ""
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_the_script_and_style_are_static_files_under_the_same_policy(client):
    for name, mimetype in (("console.js", "text/javascript"), ("console.css", "text/css")):
        response = client.get(f"/console/static/{name}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        response.close()


def test_the_script_never_touches_web_storage(client):
    response = client.get("/console/static/console.js")
    script = response.get_data(as_text=True)
    response.close()
    assert "localStorage" not in script.replace("never localStorage", "")
    assert "sessionStorage" not in script.replace("or sessionStorage", "")
    assert "innerHTML" not in script and "document.write" not in script


def _strings(html: str) -> dict:
    block = re.search(
        r'<script type="application/json" id="console-strings">(.*?)</script>', html, re.S
    )
    assert block is not None
    return json.loads(block.group(1))


def test_every_text_comes_in_albanian_english_and_serbian(client):
    strings = _strings(client.get("/console").get_data(as_text=True))
    assert set(strings) == {"sq", "en", "sr"}
    for language in ("sq", "en", "sr"):
        assert set(strings[language]) == set(STRINGS)
    assert strings["en"]["log_in"] == "Log in"
    assert strings["sq"]["log_in"] != "Log in"
    assert strings["sr"]["log_in"] != "Log in"
    # "Administrator" and "SMS" are the same words in all three.
    same = {k for k in STRINGS if strings["sq"][k] == strings["sr"][k] == strings["en"][k]}
    assert same == {"role_admin", "v_sms"}


@pytest.mark.parametrize(("header", "expected"), [(None, "sq"), ("en", "en"), ("sr-RS", "sr")])
def test_the_first_language_follows_accept_language(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    html = client.get("/console", headers=headers).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html


def test_every_text_key_the_page_uses_exists(client):
    html = client.get("/console").get_data(as_text=True)
    response = client.get("/console/static/console.js")
    script = response.get_data(as_text=True)
    response.close()
    used = set(re.findall(r'data-t="([a-z_]+)"', html)) | set(
        re.findall(r't\("([a-z_]+)"\)', script)
    )
    used |= {f"role_{r}" for r in ("support", "dispatcher", "admin")}
    assert used - set(STRINGS) == set()


def test_catalog_escapes_nothing_it_should_not(app):
    with app.test_request_context():
        tables = catalog()
    assert all(isinstance(v, str) for table in tables.values() for v in table.values())
