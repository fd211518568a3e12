"""Request and response bodies of login, refresh and password reset."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

# Generous bounds: they only keep absurd bodies away from argon2 and the database.
_USERNAME = validate.Length(min=1, max=254)
_PASSWORD = validate.Length(min=1, max=1024)


class LoginSchema(ma.Schema):
    username = ma.fields.String(
        required=True,
        validate=_USERNAME,
        metadata={
            "description": "The e-mail (any case) or the Kosovo mobile number in any usual form "
            "(`044 123 456`, `+383 44 123 456`, `0038344123456`).",
            "example": "arben.krasniqi@example.com",
        },
    )
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=_PASSWORD,
        metadata={"example": "violet-harbour-lantern-88"},
    )


class TokenPairSchema(ma.Schema):
    access_token = ma.fields.String(
        required=True,
        metadata={
            "description": "JWT for `Authorization: Bearer …`; lives 15 minutes.",
            "example": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
        },
    )
    refresh_token = ma.fields.String(
        required=True,
        metadata={
            "description": "JWT for `POST /auth/refresh`; lives 30 days and can be used once.",
            "example": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicmVmcmVzaCJ9.c2ln",
        },
    )
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(
        required=True,
        metadata={"description": "Seconds the access token stays valid.", "example": 900},
    )


class PasswordForgotSchema(ma.Schema):
    email = ma.fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={"example": "arben.krasniqi@example.com"},
    )


class PasswordResetSchema(ma.Schema):
    token = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "The `token` parameter of the link in the e-mail.",
            "example": "Jx3rQ0m2f9bq1k7xv1e0ZqgZ8u2xQy5Hn0nVvXcS0aY",
        },
    )
    new_password = ma.fields.String(
        required=True,
        load_only=True,
        validate=_PASSWORD,
        metadata={"example": "quiet-river-copper-kite"},
    )
