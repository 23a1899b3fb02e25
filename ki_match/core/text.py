"""Text as people type it and as others see it: what input loses, and how a name is shortened."""

from __future__ import annotations

import re

# NUL (PostgreSQL refuses it in text) and the bidi embeddings, overrides and isolates, which
# make a name or a note read differently from what it says (U+202A–U+202E, U+2066–U+2069).
UNWANTED = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")


def clean_text(value):
    """Text without NUL bytes and bidi control characters; anything else is returned as it is."""
    return UNWANTED.sub("", value) if isinstance(value, str) else value


def normalise_name(value: str) -> str:
    """A name as one line: every run of whitespace (tab, no-break space …) one plain space."""
    return " ".join(clean_text(value).split())


def first_name(display_name: str | None) -> str:
    """How another KI sees a helper of the shared pool until she accepted: the first word only."""
    words = (display_name or "").split()
    return words[0] if words else "–"


def short_name(display_name: str | None) -> str:
    """How a helper is shown before contact is shared: "Amina Haddad" → "Amina H.".

    A single name stays as it is; any kind of whitespace separates the words.
    """
    words = (display_name or "").split()
    if len(words) < 2:
        return first_name(display_name)
    return f"{words[0]} {words[-1][0]}."
