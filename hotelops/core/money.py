"""Money: ``Decimal`` from parsing to storage to display, rounded in one place.

Amounts are stored exactly as integers of ten-thousandths (see ``sqltypes.Money``); the rounding
rule for an amount a guest pays is ``ROUND_HALF_UP`` to the currency's minor unit, unless a
contract says otherwise (contract rounding: whole units, .50 up).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: Decimal places kept in storage; covers every ISO 4217 minor unit (max 3) plus one guard digit.
STORAGE_PLACES = 4
STORAGE_QUANTUM = Decimal(1).scaleb(-STORAGE_PLACES)

#: ISO 4217 minor units that differ from 2.
_MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "ISK": 0,
    "CLP": 0,
    "VND": 0,
    "HUF": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
    "LYD": 3,
    "IQD": 3,
}


def minor_units(currency: str) -> int:
    """Number of decimal places of the currency (EUR 2, JPY 0, KWD 3)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def to_decimal(value: object, *, what: str = "amount") -> Decimal:
    """Read a user or wire value as an exact Decimal; floats are refused (they are not exact).

    Accepts Decimal, int and strings such as ``"1234.50"``, ``"1,234.50"`` and ``"1.234,50"``.
    """
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected an amount, got a boolean")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        raise ValueError(
            f'{what}: {value!r} is a float; write money as a string ("{value}") so it stays exact'
        )
    elif isinstance(value, str):
        result = _parse_amount_text(value, what)
    else:
        raise ValueError(f"{what}: expected an amount, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what}: {value!r} is not a finite amount")
    return result


def _parse_amount_text(text: str, what: str) -> Decimal:
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        # The separator that comes last is the decimal one: "1.234,50" or "1,234.50".
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        head, _, tail = cleaned.rpartition(",")
        # "330,00" is a decimal comma; "1,234" (three digits after) is a thousands separator.
        cleaned = cleaned.replace(",", "") if len(tail) == 3 and head else f"{head}.{tail}"
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f'{what}: {text!r} is not an amount (write e.g. "330.00")') from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up: the amount a guest or operator pays."""
    quantum = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def round_whole(amount: Decimal) -> Decimal:
    """Contract rounding: below .50 down, from .50 up, to whole units."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str | None = None, *, grouping: bool = True) -> str:
    """Display text: ``2,110.00`` (or ``2,110.00 EUR`` with a currency)."""
    places = minor_units(currency) if currency else 2
    quantized = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{quantized:,.{places}f}" if grouping else f"{quantized:.{places}f}"
    return f"{text} {currency}" if currency else text


def money_json(amount: Decimal | None) -> str | None:
    """Money in ``--json`` output: a string, never a float."""
    return None if amount is None else str(amount)
