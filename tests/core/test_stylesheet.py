"""The stylesheet says start and end, never left and right, so that a right-to-left page (Arabic,
Persian) mirrors itself: margins, paddings, borders, positions, alignment and floats are written
with logical properties and values (margin-inline-start, inset-inline-end, text-align: start …)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"

SIDE = r"(?:left|right)"
PHYSICAL = [
    # margin-left, padding-right, border-left(-color|-width|-style), scroll-margin-right …
    re.compile(rf"(?<![\w-])(?:margin|padding|border|scroll-margin|scroll-padding)-{SIDE}(?:-[a-z]+)?\s*:"),
    # border-top-left-radius …
    re.compile(rf"(?<![\w-])border-(?:top|bottom)-{SIDE}-radius\s*:"),
    # left: 0; right: 1rem
    re.compile(rf"(?<![\w-]){SIDE}\s*:"),
    # text-align: left; float: right; clear: left
    re.compile(rf"(?<![\w-])(?:text-align|float|clear)\s*:\s*{SIDE}\b"),
]
# margin: 0 1rem 0 2rem, padding / inset with four values whose sides differ.
FOUR_VALUES = re.compile(r"(?<![\w-])(margin|padding|inset)\s*:\s*([^;{}]+)")


def physical_declarations(css: str) -> list[str]:
    """Every declaration of ``css`` that names a physical side."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found = []
    for declaration in re.split(r"[;{}]", css):
        declaration = declaration.strip()
        if any(pattern.search(declaration) for pattern in PHYSICAL):
            found.append(declaration)
            continue
        four = FOUR_VALUES.search(declaration)
        if four:
            values = four.group(2).replace("!important", "").split()
            if len(values) == 4 and values[1] != values[3]:
                found.append(declaration)
    return found


@pytest.mark.parametrize(
    "declaration",
    [
        "margin-left: 1rem",
        "padding-right: 0",
        "border-left: 6px solid red",
        "border-right-color: red",
        "border-top-left-radius: 3px",
        "left: 0",
        "right:1rem",
        "text-align: left",
        "text-align:right",
        "float: left",
        "clear: right",
        "margin: 0 1rem 0 2rem",
        "padding: 1px 2px 3px 4px !important",
    ],
)
def test_a_physical_side_is_found(declaration):
    assert physical_declarations(f".a {{ position: absolute; {declaration}; color: red }}") == [declaration]


@pytest.mark.parametrize(
    "css",
    [
        ".a { margin-inline-start: 1rem; padding-inline: 0; border-inline-end: 1px solid; }",
        ".a { inset-inline-start: 0; inset-block-start: 100%; top: -4rem; }",
        ".a { text-align: start; float: inline-end; }",
        ".a { margin: 0 1rem 0 1rem; padding: 0.5rem 1rem; border-radius: 1px 1px 0 0; }",
        "/* margin-left: 1rem */ .a { color: red; }",
        ".a { flex-direction: row; scroll-snap-align: start; }",
    ],
)
def test_logical_properties_pass(css):
    assert physical_declarations(css) == []


def test_the_stylesheet_names_no_physical_side():
    assert physical_declarations(STYLESHEET.read_text(encoding="utf-8")) == []


def test_a_fact_list_never_squeezes_its_values():
    """A label column as wide as its longest label ("max-content") left the values of a narrow card
    (the profile's checks on a desktop, in Arabic) one letter a line; labels wrap at half the width."""
    rule = re.search(r"\.facts\s*\{([^}]*)\}", STYLESHEET.read_text(encoding="utf-8"))[1]
    columns = re.search(r"grid-template-columns:\s*([^;]+);", rule)[1]
    assert "max-content" not in columns and columns.startswith("fit-content(")
