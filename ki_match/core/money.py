"""Money as people type it and as forms show it again: whole cents in, euros with a decimal comma out.

Pages and mails show amounts through Babel (``euros``, the templates' filter); ``parse_cents`` and
``cents_to_text`` are for form fields only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import get_locale

from ki_match.digits import currency


def parse_cents(text: str) -> int:
    """``"12,50"``, ``"12.50"``, ``"12"`` or ``"0,3"`` euros as whole cents; ValueError otherwise."""
    cleaned = (text or "").strip().replace("€", "").strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(text) from error
    if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise ValueError(text)
    return int(amount * 100)


def cents_to_text(cents: int) -> str:
    """The way an amount is typed back into its form field: ``1250`` → ``"12,50"``."""
    return f"{cents // 100},{cents % 100:02d}"


def euros(cents: int) -> str:
    """Whole cents as the reader's locale writes euros ("1.012,00 €", in Persian with its own
    digits): the ``euros`` filter of templates."""
    return currency(Decimal(cents) / 100, "EUR", get_locale() or "de")
