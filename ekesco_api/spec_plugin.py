"""What flask-smorest's spec leaves unsaid: answers' fields required, headers, problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_instance

SCHEMA_REF = "#/components/schemas/"

# Headers as components, referenced from the answers that carry them.
HEADERS: dict[str, dict[str, Any]] = {
    "REQUEST_ID": {
        "description": "This request's id: the caller's `X-Request-ID` when it is sane (1–64 "
        "of `A-Za-z0-9._:-`), otherwise a new one. Staff actions record it in the audit log.",
        "schema": {"type": "string", "example": "3f2a9c1e0b7d4c59a1e2f3b4c5d6e7f8"},
    },
    "RETRY_AFTER": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0, "example": 60},
    },
    "RATE_LIMIT_LIMIT": {
        "description": "Requests allowed in the current window (the strictest limit that applies).",
        "schema": {"type": "integer"},
    },
    "RATE_LIMIT_REMAINING": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer"},
    },
    "RATE_LIMIT_RESET": {
        "description": "When the current window ends, in Unix seconds.",
        "schema": {"type": "integer"},
    },
    "LOCATION": {
        "description": "The URL of what was created.",
        "schema": {"type": "string", "example": "https://api.ekesco.example/api/v1/payments/7"},
    },
    "IDEMPOTENT_REPLAYED": {
        "description": "`true` when this is the stored answer to an earlier request with the "
        "same `Idempotency-Key` and body: nothing new was done.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "RATE_LIMIT_LIMIT",
    "X-RateLimit-Remaining": "RATE_LIMIT_REMAINING",
    "X-RateLimit-Reset": "RATE_LIMIT_RESET",
}


def header_ref(name: str) -> dict[str, str]:
    """A reference to one of HEADERS, for `@blp.response(..., headers=...)`."""
    return {"$ref": f"#/components/headers/{name}"}


class AnswersPlugin(BasePlugin):
    """Make the spec say what every answer carries, so that generated clients can trust it.

    - A schema only ever sent (never read from a request body) lists every field it has as
      `required`: the server always writes them, null where the field is nullable. A field
      that is sometimes left out says so with `metadata={"sometimes": True}`.
    - Every answer documents `X-Request-ID`; a 429 documents `Retry-After`, and an operation
      that can answer 429 documents the `X-RateLimit-*` headers on all its answers.
    """

    def __init__(self) -> None:
        self.spec: APISpec | None = None
        self.answered: set[str] = set()
        self.read: set[str] = set()
        self.sometimes: dict[str, set[str]] = {}
        self.declared_required: dict[str, list[str]] = {}
        # The schemas each schema names, read once: a schema is whole once registered.
        self.nested: dict[str, set[str]] = {}

    def init_spec(self, spec: APISpec) -> None:
        self.spec = spec
        for name, header in HEADERS.items():
            spec.components.header(name, header)

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> None:
        schema = kwargs.get("schema")
        if schema is None:
            return None
        instance = resolve_schema_instance(schema)
        self.sometimes[name] = {
            field.data_key or field_name
            for field_name, field in instance.fields.items()
            if field.metadata.get("sometimes")
        }
        self.declared_required[name] = list(definition.get("required", []))
        for prop, spec in definition.get("properties", {}).items():
            definition["properties"][prop] = _nullable_enum_as_choice(spec)
        return None

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            self.read |= set(_schema_refs(operation.get("requestBody")))
            responses = operation.get("responses", {})
            limited = any(str(status) == "429" for status in responses)
            for status, response in responses.items():
                if not isinstance(response, dict):
                    continue  # a shared response component: ProblemApi documents those
                self.answered |= set(_schema_refs(response.get("content")))
                headers = response.setdefault("headers", {})
                headers.setdefault("X-Request-ID", header_ref("REQUEST_ID"))
                if str(status) == "429":
                    headers.setdefault("Retry-After", header_ref("RETRY_AFTER"))
                if limited:
                    for header, component in RATE_LIMIT_HEADERS.items():
                        headers.setdefault(header, header_ref(component))
        self._require_what_answers_always_carry()

    def _require_what_answers_always_carry(self) -> None:
        # Recomputed after every operation: a schema first seen in an answer may later turn
        # up in a request body, and then marshmallow's own `required` stands again.
        assert self.spec is not None
        schemas = self.spec.components.schemas
        only_answered = self._closure(self.answered) - self._closure(self.read)
        for name, definition in schemas.items():
            if name not in self.declared_required:
                continue
            if name in only_answered:
                sent = [
                    prop
                    for prop, spec in definition.get("properties", {}).items()
                    if not spec.get("writeOnly") and prop not in self.sometimes.get(name, set())
                ]
                required = sorted(set(sent) | set(self.declared_required[name]))
            else:
                required = self.declared_required[name]
            if required:
                definition["required"] = required
            else:
                definition.pop("required", None)

    def _closure(self, names: set[str]) -> set[str]:
        """Those schemas and every schema they nest, at any depth."""
        assert self.spec is not None
        schemas = self.spec.components.schemas
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in seen or name not in schemas:
                continue
            seen.add(name)
            if name not in self.nested:
                self.nested[name] = set(_schema_refs(schemas[name]))
            todo.extend(self.nested[name])
        return seen


def _nullable_enum_as_choice(spec: dict[str, Any]) -> dict[str, Any]:
    """`enum: [sq, en, sr, null]` as "one of these, or null", which generators can type.

    apispec writes a nullable enum as one type list with None among the values; client
    generators then invent a class per branch. The same values, split, read as they mean.
    """
    types, values = spec.get("type"), spec.get("enum")
    if not (isinstance(types, list) and "null" in types and values and None in values):
        return spec
    choice = {
        "type": next(t for t in types if t != "null"),
        "enum": [v for v in values if v is not None],
    }
    rest = {key: value for key, value in spec.items() if key not in {"type", "enum"}}
    return {**rest, "anyOf": [choice, {"type": "null"}]}


def _schema_refs(node: Any) -> Iterator[str]:
    """The component schemas a piece of the spec names."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
            yield ref.removeprefix(SCHEMA_REF)
        for value in node.values():
            yield from _schema_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_refs(value)


def problem_header_docs() -> dict[str, Any]:
    """The headers every problem answer carries (for the shared error responses)."""
    return {"X-Request-ID": header_ref("REQUEST_ID")}
