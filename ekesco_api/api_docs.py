"""What the OpenAPI document says about errors: the problem schema and each operation's codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma

from ekesco_api.errors import ApiError
from ekesco_api.problems import PROBLEM_JSON

# The problem codes documented so far on a view function, by status.
_CODES_ATTRIBUTE = "_problem_codes"


class ProblemSchema(ma.Schema):
    """RFC 9457 problem document; `code` is stable, `title` and `detail` are translated.

    Some problems carry members of their own beside these (`retry_after`, ...), as RFC 9457
    allows: the spec says so with `additionalProperties`.
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem."})
    title = ma.fields.String(metadata={"description": "Short translated summary."})
    status = ma.fields.Integer(metadata={"description": "The HTTP status."})
    detail = ma.fields.String(metadata={"description": "Translated explanation."})
    code = ma.fields.String(
        metadata={
            "description": "Stable snake_case code clients switch on.",
            "example": "customer_code_taken",
        }
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": "Per-field translated messages (validation errors).",
            "sometimes": True,
        },
    )
    field_codes = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={
            "description": "Per-field stable codes, where the contract names one.",
            "sometimes": True,
        },
    )


def _codes_line(codes: frozenset[str]) -> str:
    return "Problem codes: " + ", ".join(f"`{code}`" for code in sorted(codes))


def documents(blp: Any, *error_classes: type[ApiError]) -> Callable[[Any], Any]:
    """Document the problem responses an operation can give, grouped by status, codes listed.

    Use on a view method: `@documents(blp, CustomerCodeTaken, EmailTaken)`. Several uses on one
    operation add up, in any order: a guard's token errors and the operation's own 401 share
    one response that lists the codes of both.
    """

    def decorator(func: Any) -> Any:
        recorded: dict[int, frozenset[str]] = getattr(func, _CODES_ATTRIBUTE, {})
        codes = dict(recorded)
        for cls in error_classes:
            codes[cls.status] = codes.get(cls.status, frozenset()) | {cls.code}
        statuses = sorted({cls.status for cls in error_classes})
        for status in (s for s in statuses if s not in recorded):
            func = blp.alt_response(
                status,
                schema=ProblemSchema,
                content_type=PROBLEM_JSON,
                description=_codes_line(codes[status]),
            )(func)
        # smorest keeps the first description given for a status; a manual doc has the last
        # word, so a status documented again gets the codes of both there.
        merged = {
            status: {
                "description": _codes_line(codes[status]),
                "content": {PROBLEM_JSON: {"schema": ProblemSchema}},
            }
            for status in statuses
            if status in recorded
        }
        if merged:
            func = blp.doc(responses=merged)(func)
        setattr(func, _CODES_ATTRIBUTE, codes)
        return func

    return decorator
