"""The reference data a new installation starts with.

Language *names* are not kept here: they come from CLDR through Babel in the
reader's language. Only the codes, the CLDR key and, where CLDR lumps variants
together, the name speakers use for their variant.
"""


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


KREIS_HOEXTER = {
    "slug": "hoexter",
    "name": "Kreis Höxter",
    "towns": [
        # name, latitude, longitude (town centre)
        ("Bad Driburg", 51.7336, 9.0197),
        ("Beverungen", 51.6626, 9.3727),
        ("Borgentreich", 51.5690, 9.2417),
        ("Brakel", 51.7165, 9.1845),
        ("Höxter", 51.7739, 9.3818),
        ("Marienmünster", 51.8370, 9.2080),
        ("Nieheim", 51.8047, 9.1103),
        ("Steinheim", 51.8659, 9.0943),
        ("Warburg", 51.4880, 9.1407),
        ("Willebadessen", 51.6259, 9.0342),
    ],
}

# Every KI offers German: interpreting needs German of at least B1.
GERMAN = "de"

# (ISO 639 code, CLDR key, variant name or None)
LANGUAGES = [
    ("de", "de", None),
    ("ar", "ar", None),
    ("kmr", "ku", "Kurmanji"),
    ("ckb", "ckb", "Sorani"),
    ("prs", "fa_AF", None),
    ("fa", "fa", "Farsi"),
    ("ps", "ps", None),
    ("ti", "ti", None),
    ("so", "so", None),
    ("uk", "uk", None),
    ("ru", "ru", None),
    ("tr", "tr", None),
    ("sq", "sq", None),
    ("ro", "ro", None),
    ("bg", "bg", None),
    ("pl", "pl", None),
    ("fr", "fr", None),
    ("en", "en", None),
]

# code → German name; stored, and translated by gettext when shown
TOPICS = {
    "authorities": N_("Behörden und Ämter"),
    "health": N_("Gesundheit"),
    "school": N_("Schule und Kinderbetreuung"),
    "work": N_("Jobcenter und Arbeit"),
    "housing": N_("Wohnen"),
    "everyday": N_("Alltagsbegleitung"),
    "translation": N_("Schriftliche Übersetzung"),
    "parents": N_("Elterngespräche"),
}
