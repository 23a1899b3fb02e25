"""Text as people type it: what input loses before anything reads it."""

from __future__ import annotations

import re

# NUL (PostgreSQL refuses it in text) and the bidi embeddings, overrides and isolates, which
# make a name or a note read differently from what it says (U+202A–U+202E, U+2066–U+2069).
UNWANTED = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")


def clean_text(value):
    """Text without NUL bytes and bidi control characters; anything else is returned as it is."""
    return UNWANTED.sub("", value) if isinstance(value, str) else value
