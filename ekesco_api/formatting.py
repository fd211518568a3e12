"""Amounts, quantities, dates and billing periods written as each of our languages writes them.

Shared by the printed documents and the messages (notifications) so that "50,02 €" reads the
same in both. Numbers and dates follow babel's conventions for sq, en and sr (Latin script).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency, format_decimal, format_percent

from ekesco_api.clock import ZONE
from ekesco_api.i18n import DEFAULT_LANGUAGE, LANGUAGES

CURRENCY = "EUR"
CENT = Decimal("0.01")
_PERIOD = re.compile(r"[0-9]{4}-[0-9]{2}")

# Serbian is written in Latin script here; babel's plain "sr" is Cyrillic.
_BABEL_LOCALES = {"sq": "sq", "en": "en", "sr": "sr_Latn"}


def known_language(code: str | None) -> str:
    """One of our languages: the given one when we have it, Albanian otherwise."""
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _locale(language: str) -> str:
    return _BABEL_LOCALES[known_language(language)]


def format_money(amount: Decimal, language: str) -> str:
    """An amount in euro with two places, as the language writes it: "1 234,50 €", "€1,234.50"."""
    return format_currency(
        amount.quantize(CENT, rounding=ROUND_HALF_UP), CURRENCY, locale=_locale(language)
    )


def format_unit_price(price: Decimal, language: str) -> str:
    """A tariff price: two to five places, since energy is priced in fractions of a cent."""
    locale = _locale(language)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace("0.00", "0.00###")
    value = price.quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP)
    return format_currency(value, CURRENCY, format=pattern, currency_digits=False, locale=locale)


def format_rate(rate: Decimal, language: str) -> str:
    """A rate given as a fraction (0.08) as the language writes a percentage ("8 %")."""
    return format_percent(rate, format="#,##0.##\u00a0%", locale=_locale(language))


def format_quantity(quantity: Decimal, language: str) -> str:
    """A quantity or a meter read: no trailing zeros, up to three places ("1 234", "12,5")."""
    return format_decimal(quantity, format="#,##0.###", locale=_locale(language))


def format_date(day: dt.date, language: str) -> str:
    """A calendar date as dd.mm.yyyy, which all three languages read the same way."""
    return babel_format_date(day, "dd.MM.yyyy", locale=_locale(language))


def format_period(period: str, language: str) -> str:
    """A billing period "YYYY-MM" as its month and year in the language ("Nëntor 2026")."""
    month = babel_format_date(parse_period(period), "LLLL yyyy", locale=_locale(language))
    return month[:1].upper() + month[1:]


def format_local_datetime(moment: dt.datetime, language: str) -> str:
    """A UTC time as the customer's clock showed it (Europe/Belgrade): "22.11.2026 11:00"."""
    local = moment.astimezone(ZONE)
    return f"{format_date(local.date(), language)} {local:%H:%M}"


def parse_period(period: str) -> dt.date:
    """The first day of a "YYYY-MM" period; ValueError when it is not one."""
    if not _PERIOD.fullmatch(period):
        raise ValueError(f"not a YYYY-MM period: {period!r}")
    return dt.date(int(period[:4]), int(period[5:]), 1)
