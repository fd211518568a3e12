"""Kosovo mobile numbers: read what people type, store E.164, name the operator."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumberType, carrier

REGION = "XK"
COUNTRY_CODE = 383

# Digits and the separators people type; letters are refused (phonenumbers would read them
# as a phone keypad's letters, which nobody means in a form field).
_TYPED = re.compile(r"^\+?[0-9 ().\-/]{6,32}$")
_NON_DIGITS = re.compile(r"\D")


def parse_kosovo_mobile(raw: str) -> str:
    """The E.164 form (`+38344123456`) of a Kosovo mobile number, or ValueError.

    Accepts the national forms (`044 123 456`, `44123456`), `+383 44 123 456` and
    `0038344123456`. An 11-digit `383…` typed without `+` is read as international:
    phonenumbers alone would take it for a Prishtina landline (038…) with extra digits.
    Which prefixes are mobile comes from phonenumbers' metadata, never from a table of ours.
    """
    if not isinstance(raw, str):
        raise ValueError("not a phone number")
    text = raw.strip()
    if not _TYPED.match(text):
        raise ValueError("not a phone number")
    digits = _NON_DIGITS.sub("", text)
    if not text.startswith("+") and len(digits) == 11 and digits.startswith(str(COUNTRY_CODE)):
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if (
        number.country_code != COUNTRY_CODE
        or not phonenumbers.is_valid_number_for_region(number, REGION)
        or phonenumbers.number_type(number) != PhoneNumberType.MOBILE
    ):
        raise ValueError("not a Kosovo mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def carrier_of(e164: str, language: str = "en") -> str | None:
    """The mobile operator phonenumbers knows for this number (`vala`, `IPKO`, …), or None.

    This is the operator the number's range was allocated to (a ported number would still show
    its original operator), which is good enough for "your SMS went out through …".
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    name = carrier.name_for_number(number, language)
    return name or None
