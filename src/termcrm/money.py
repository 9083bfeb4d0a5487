"""Money: integer minor units in the database, formatting in one place.

Amounts are parsed with :class:`~decimal.Decimal` so ``0.10`` is exactly ten
cents; a currency's number of decimals follows ISO 4217 for the common ones.
Amounts in different currencies are never added together: :class:`Totals`
keeps one sum per currency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from termcrm.errors import Invalid

ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "XOF", "XAF", "UGX", "PYG"})
THREE_DECIMAL = frozenset({"BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"})
LARGEST_INTEGER = 2**63 - 1
"""The largest whole number a column holds on both engines (a signed 64-bit integer): amounts in
minor units, ids and counts beyond it are refused before they reach the database."""

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩"}


def exponent(currency: str) -> int:
    """Decimals of ``currency``'s minor unit (2 unless listed)."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def check_currency(code: str) -> str:
    """Upper-case ISO code, or Invalid."""
    value = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise Invalid(f"currency {code!r} is not a three-letter ISO code such as USD or EUR")
    return value


def parse_amount(text: str | int | float | Decimal, currency: str) -> int:
    """Minor units of an amount written in major units (``1,234.50``, ``1234.5``, ``12k``)."""
    raw = str(text).strip().replace(",", "").replace("_", "").replace(" ", "")
    multiplier = Decimal(1)
    if raw[-1:].lower() == "k":
        multiplier, raw = Decimal(1000), raw[:-1]
    elif raw[-1:].lower() == "m":
        multiplier, raw = Decimal(1_000_000), raw[:-1]
    for symbol in SYMBOLS.values():
        raw = raw.replace(symbol, "")
    try:
        value = Decimal(raw) * multiplier
    except InvalidOperation:
        raise Invalid(f"cannot read amount {text!r}: write a number such as 1250 or 1250.50") from None
    if not value.is_finite():
        raise Invalid(f"cannot read amount {text!r}: write a number such as 1250 or 1250.50")
    places = exponent(currency)
    scaled = value * (Decimal(10) ** places)
    if scaled != scaled.to_integral_value():
        raise Invalid(f"amount {text!r} has more decimals than {currency} allows ({places})")
    if abs(scaled) > LARGEST_INTEGER:
        raise Invalid(f"amount {text!r} is too large to store in {currency}")
    return int(scaled)


def to_major(minor: int, currency: str) -> Decimal:
    """The amount in major units as an exact Decimal."""
    return Decimal(minor).scaleb(-exponent(currency))


def as_number(minor: int, currency: str) -> float | int:
    """The amount as a JSON number in major units (an int when whole)."""
    value = to_major(minor, currency)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def format_money(minor: int | None, currency: str, *, symbol: bool = False) -> str:
    """``1,234.50 USD`` (or ``$1,234.50`` with ``symbol``)."""
    if minor is None:
        return ""
    places = exponent(currency)
    value = to_major(minor, currency)
    text = f"{value:,.{places}f}"
    if symbol and currency in SYMBOLS:
        return f"-{SYMBOLS[currency]}{text[1:]}" if text.startswith("-") else f"{SYMBOLS[currency]}{text}"
    return f"{text} {currency}"


def format_number(value: int | float | str | Decimal | None, currency: str) -> str:
    """A money number in major units, as rows carry it, shown as ``1,250.00 USD`` (empty for None)."""
    if value is None:
        return ""
    return format_money(parse_amount(str(value), currency), currency)


def apply_percent(minor: int, basis_points: int) -> int:
    """``minor`` reduced by ``basis_points`` hundredths of a percent, rounded half-even."""
    value = Decimal(minor) * (Decimal(10000 - basis_points) / Decimal(10000))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def weighted(minor: int, probability: int) -> int:
    """``minor`` × probability %, rounded half-even."""
    value = Decimal(minor) * Decimal(probability) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


class Totals:
    """Sums kept per currency, never mixed."""

    def __init__(self, items: Iterable[tuple[int, str]] = ()) -> None:
        self.by_currency: dict[str, int] = {}
        for amount, currency in items:
            self.add(amount, currency)

    def add(self, amount: int, currency: str) -> None:
        """Add ``amount`` minor units of ``currency``."""
        self.by_currency[currency] = self.by_currency.get(currency, 0) + amount

    def format(self) -> str:
        """``1,000.00 USD + 50.00 EUR`` (``0`` when empty)."""
        if not self.by_currency:
            return "0"
        return " + ".join(format_money(v, c) for c, v in sorted(self.by_currency.items()))

    def as_json(self) -> list[dict[str, object]]:
        """``[{"amount": 1000, "currency": "USD"}, ...]``."""
        return [{"amount": as_number(v, c), "currency": c} for c, v in sorted(self.by_currency.items())]
