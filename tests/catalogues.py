"""Reading the translation catalogues as the tests see them: straight from the .po files, and the
German msgids of the source found the way ``pybabel extract`` finds them (tests/core/test_translations.py,
tests/core/test_catalogues.py)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "ki_match" / "translations"

# The same keywords as the extract command in README.md.
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def read_catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language)


def texts(value) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def label(message: Message) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    return f"{texts(message.id)[0]!r} ({where})"


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@cache
def source_msgids() -> frozenset[str]:
    """Every singular msgid in the code and templates now, found the way `pybabel extract` finds them."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        text = texts(message)[0]
        if text:
            found.add(text)
    return frozenset(found)
