"""Every answer a test receives is checked against the committed spec, openapi/openapi.json.

The test client of the `app` fixture is `SpecCheckingClient`: an answer to an operation of the
spec that the spec does not describe (a status not documented, a content type not listed, a
missing required field, a number where the spec says string, a header of the wrong shape)
fails the test that received it, saying which field broke which rule of which schema. Paths
and methods outside the spec (the console, the simulated bank, a 405) are not checked.

Why not openapi-core's response validator: it crawls the whole spec again for every answer
(80 ms each, which tripled the suite). The schemas of an OpenAPI 3.1 document are JSON Schema
2020-12, so the same OAS 3.1 validator (openapi-schema-validator) runs here, built once per
schema over one registry of the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
SPEC_URI = "urn:ekesco:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecMismatch(AssertionError):
    """An answer the committed spec does not describe."""


class Spec:
    """The committed document, its paths as patterns and one validator per schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry: Registry = Registry().with_resource(
            SPEC_URI, Resource(contents=document, specification=DRAFT202012)
        )
        self.pointers = dict(_pointers(document, ""))
        # Literal paths before templated ones: /outages/calendar.ics before /outages/{id}.
        self.paths = sorted(
            ((_path_pattern(path), path) for path in document["paths"]),
            key=lambda item: item[1].count("{"),
        )

    def operation(self, path: str, method: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self.paths:
            if pattern.fullmatch(path):
                operation = self.document["paths"][template].get(method)
                return (template, operation) if operation else None
        return None

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.registry.resolver(SPEC_URI).lookup(node["$ref"]).contents
        return node

    @cache  # noqa: B019  (one Spec for the whole session)
    def validator(self, pointer: str) -> OAS31Validator:
        """The validator of the schema at `pointer` (a JSON pointer into the document)."""
        return OAS31Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry)


def _pointers(node: Any, pointer: str) -> Iterator[tuple[int, str]]:
    """(id, JSON pointer) of every object in the document: a failing rule names its place."""
    if isinstance(node, dict):
        yield id(node), pointer
        for key, value in node.items():
            yield from _pointers(value, f"{pointer}/{_escape(str(key))}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _pointers(value, f"{pointer}/{index}")


def _path_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


@cache
def committed_spec() -> Spec:
    return Spec(json.loads(SPEC.read_text(encoding="utf-8")))


def check_response(response: TestResponse) -> None:
    """Raise SpecMismatch, saying what and where, when the spec does not describe `response`."""
    spec = committed_spec()
    request = response.request
    method = request.method.lower()
    found = spec.operation(request.path, method)
    if found is None:
        return
    template, operation = found
    problems = list(_mismatches(spec, template, method, operation, response))
    if not problems:
        return
    where = f"{request.method} {request.full_path.rstrip('?')} (operation {template})"
    lines = [
        f"{where} answered {response.status} ({response.mimetype or 'no content type'}), "
        "which openapi/openapi.json does not describe:",
        *(f"  {problem}" for problem in problems),
    ]
    body = response.get_data(as_text=True)
    lines.append(f"  body: {body[:600]}" if body else "  body: (empty)")
    raise SpecMismatch("\n".join(lines))


def _mismatches(
    spec: Spec, template: str, method: str, operation: dict[str, Any], response: TestResponse
) -> Iterator[str]:
    status = str(response.status_code)
    responses = operation["responses"]
    key = status if status in responses else "default" if "default" in responses else None
    if key is None:
        yield f"status {status} is not documented (documented: {', '.join(responses)})"
        return
    documented = spec.resolve(responses[key])
    pointer = f"/paths/{_escape(template)}/{method}/responses/{key}"
    if "$ref" in responses[key]:
        pointer = responses[key]["$ref"].removeprefix("#")
    yield from _content_mismatches(spec, pointer, documented.get("content") or {}, response)
    yield from _header_mismatches(spec, pointer, documented.get("headers") or {}, response)


def _content_mismatches(
    spec: Spec, pointer: str, content: dict[str, Any], response: TestResponse
) -> Iterator[str]:
    body = response.get_data()
    if not content:
        if body or "Content-Type" in response.headers:
            yield (
                f"the spec documents no body ({pointer}), but it came with "
                f"{len(body)} bytes of {response.headers.get('Content-Type')!r}"
            )
        return
    mimetype = response.mimetype
    if mimetype not in content:
        yield f"content type {mimetype!r} is not documented (documented: {', '.join(content)})"
        return
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        return  # a PDF or a calendar: the media type is what the spec promises
    if "schema" not in content[mimetype]:
        return
    try:
        document = json.loads(body)
    except ValueError:
        yield f"the body is not JSON, though {mimetype} is: {body[:80]!r}"
        return
    schema_pointer = f"{pointer}/content/{_escape(mimetype)}/schema"
    for error in spec.validator(schema_pointer).iter_errors(document):
        yield from _explain(spec, error, "body")


def _header_mismatches(
    spec: Spec, pointer: str, headers: dict[str, Any], response: TestResponse
) -> Iterator[str]:
    for name, header_or_ref in headers.items():
        header = spec.resolve(header_or_ref)
        header_pointer = (
            header_or_ref["$ref"].removeprefix("#")
            if "$ref" in header_or_ref
            else f"{pointer}/headers/{_escape(name)}"
        )
        value = response.headers.get(name)
        if value is None:
            if header.get("required"):
                yield f"header {name} is required ({header_pointer}) but missing"
            continue
        if "content" in header:  # a header whose value is JSON text (X-Pagination)
            (media_type,) = header["content"]
            try:
                parsed: Any = json.loads(value)
            except ValueError:
                yield f"header {name} is not the JSON text the spec says: {value!r}"
                continue
            schema_pointer = f"{header_pointer}/content/{_escape(media_type)}/schema"
        else:
            parsed = _header_value(value, spec.resolve(header.get("schema", {})))
            schema_pointer = f"{header_pointer}/schema"
        for error in spec.validator(schema_pointer).iter_errors(parsed):
            yield from _explain(spec, error, f"header {name}")


def _header_value(value: str, schema: dict[str, Any]) -> Any:
    """A header's text as the type its schema names (headers are text on the wire)."""
    if schema.get("type") == "integer" and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    return value


def _explain(spec: Spec, error: ValidationError, where: str) -> Iterator[str]:
    """One line per mismatch: where in the answer, the message, the schema rule broken."""
    if error.context:
        # anyOf / oneOf: say why each branch failed, at its own place.
        for sub in error.context:
            yield from _explain(spec, sub, where)
        return
    place = spec.pointers.get(id(error.schema), "?")
    rule = f"#{place}/{error.validator}"
    yield f"{where} at {error.json_path}: {error.message} (rule {rule})"


def _escape(part: str) -> str:
    """A JSON pointer token (RFC 6901)."""
    return part.replace("~", "~0").replace("/", "~1")


class SpecCheckingClient(FlaskClient):
    """Flask's test client, checking every answer against the committed spec."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        # A redirect the client follows comes back through here, so each hop is checked.
        check_response(response)
        return response
