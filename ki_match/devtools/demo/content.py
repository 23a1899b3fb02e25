"""The German content the demo data set is drawn from.

Everything here is invented: names are common first names of the communities
the Kreis Höxter actually needs interpreters for, with a last-name initial
only; addresses are made-up combinations; e-mail domains are under the
reserved ``.example`` top-level domain and phone numbers come from the blocks
the Bundesnetzagentur keeps free for media productions, so no demo value can
ever reach a real person.

Why so long: it is data, not logic: the demo logins, the towns and their
weights, the language demand, the communities with their names, the staff and
organisations, and the German texts of notes, reasons and reports. Nothing
here decides anything (the drawing is in ``people``, ``demand``,
``scheduling`` and ``history``); kept in one module, every invented value can
be checked in one place for not pointing at a real person.
"""

from __future__ import annotations

from dataclasses import dataclass

from ki_match.reference.models import Level

DEMO_PASSWORD = "demo-ki-match"  # noqa: S105 (published in README.md on purpose)

ADMIN_EMAIL = "admin@ki-hoexter.example"
COORDINATOR_EMAIL = "koordination@ki-hoexter.example"
INITIATIVE_EMAIL = "initiative@asylkreis-brakel.example"
SPRACHLOTSIN_EMAIL = "sprachlotse@ki-hoexter.example"
# The installation's operator, above the KIs (in none of them).
OPERATOR_EMAIL = "betrieb@ki-match.example"
DEMO_LOGINS = (ADMIN_EMAIL, COORDINATOR_EMAIL, INITIATIVE_EMAIL, SPRACHLOTSIN_EMAIL, OPERATOR_EMAIL)
# How the demo KI is reached (the settings page's fields); every "call us" shows them. Made up.
KI_CONTACT = {
    "contact_phone": "05271 965-4321",
    "contact_email": "integration@ki-hoexter.example",
    "postal_address": "Kommunales Integrationszentrum\nMusterstraße 1\n37671 Höxter",
    "office_hours": "Mo–Do 9–15 Uhr, Fr 9–12 Uhr",
}

MAIL_DOMAINS = ("mail.example", "web.example", "postfach.example", "online.example")

# Bundesnetzagentur, Mitteilung 148/2021: (0)221 4710 000–999 in Köln is never
# assigned to anyone ("Drama Numbers"), unlike any number in a Höxter area code.
PHONE_PREFIX = "+49 221 4710 "

POSTCODES = {
    "Bad Driburg": "33014",
    "Beverungen": "37688",
    "Borgentreich": "34434",
    "Brakel": "33034",
    "Höxter": "37671",
    "Marienmünster": "37696",
    "Nieheim": "33039",
    "Steinheim": "32839",
    "Warburg": "34414",
    "Willebadessen": "34439",
}

# Rough population shares: where people live is where requests come from.
TOWN_WEIGHTS = {
    "Höxter": 29,
    "Warburg": 23,
    "Bad Driburg": 19,
    "Brakel": 16,
    "Steinheim": 13,
    "Beverungen": 13,
    "Borgentreich": 9,
    "Willebadessen": 8,
    "Nieheim": 6,
    "Marienmünster": 5,
}

# How often a language is asked for, roughly as in a rural NRW district today.
LANGUAGE_DEMAND = {
    "ar": 22,
    "uk": 17,
    "prs": 8,
    "kmr": 7,
    "ru": 5,
    "tr": 5,
    "fa": 4,
    "ti": 4,
    "ro": 4,
    "ps": 3,
    "sq": 3,
    "bg": 3,
    "fr": 3,
    "so": 2,
    "ckb": 2,
    "pl": 2,
    "en": 2,
}

# Languages a client also understands well enough (Dari speakers follow Farsi, …).
ALTERNATIVES = {
    "uk": ("ru",),
    "ru": ("uk",),
    "prs": ("fa",),
    "fa": ("prs",),
    "ps": ("prs",),
    "kmr": ("ar", "tr"),
    "ckb": ("ar",),
    "ti": ("ar", "en"),
    "so": ("en", "ar"),
    "fr": ("en",),
    "bg": ("tr",),
}

# Languages for which a request often finds nobody: unmet demand the reports should show.
SCARCE = ("ti", "so", "ps", "ckb", "sq", "prs")


@dataclass(frozen=True)
class Community:
    """A group of helpers: names, initials and the languages they typically speak."""

    key: str
    count: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    initials: str
    native: str
    # (code, possible levels) — each extra language is drawn with its own chance
    extra: tuple[tuple[str, tuple[int, ...], float], ...] = ()
    german: tuple[int, ...] = (Level.B1, Level.B2, Level.B2, Level.C1)
    sprachlotse_share: float = 0.3
    locale: str | None = "de"


N, C2, C1, B2, B1, A2 = Level.NATIVE, Level.C2, Level.C1, Level.B2, Level.B1, Level.A2

COMMUNITIES = (
    Community(
        "syrian",
        10,
        ("Amina", "Lina", "Hala", "Nour", "Yasmin", "Dima", "Reem", "Rasha", "Huda", "Samar", "Ghada"),
        ("Ahmad", "Mohammad", "Khaled", "Omar", "Yousef", "Samer", "Bassel", "Tarek", "Mahmoud", "Firas"),
        "AHKMSNDRZ",
        "ar",
        (("en", (B1, B2, C1), 0.6), ("kmr", (B2, C1), 0.1), ("fr", (B1,), 0.1)),
        german=(A2, B1, B1, B2, B2, C1, C1),
    ),
    Community(
        "maghreb",
        2,
        ("Samira", "Karima", "Nadia"),
        ("Youssef", "Karim", "Rachid", "Mehdi"),
        "BEMT",
        "ar",
        (("fr", (C1, C2), 1.0),),
        german=(B2, C1),
    ),
    Community(
        "kurmanji",
        4,
        ("Rojda", "Berfin", "Delal", "Zozan", "Jiyan", "Nesrin"),
        ("Baran", "Rezan", "Dilovan", "Azad", "Shivan", "Hozan"),
        "AHIMOS",
        "kmr",
        (("ar", (C1, N), 0.8), ("tr", (B1, B2, C1), 0.4)),
    ),
    Community(
        "sorani",
        2,
        ("Shilan", "Shno", "Lana", "Tara"),
        ("Karwan", "Hawre", "Rebwar", "Aram", "Dler"),
        "AHMQR",
        "ckb",
        (("ar", (B1, B2, C1), 0.8), ("en", (B1, B2), 0.4)),
    ),
    Community(
        "dari",
        5,
        ("Mariam", "Zahra", "Fereshta", "Farzana", "Nilofar", "Mahbooba"),
        ("Hamid", "Jawad", "Mustafa", "Sohrab", "Nasir", "Farid", "Omid"),
        "AHJNRSZ",
        "prs",
        (("fa", (C1, C2), 0.9), ("ps", (B1, B2), 0.3), ("en", (B1, B2), 0.4)),
        german=(A2, B1, B1, B2, C1),
    ),
    Community(
        "pashto",
        2,
        ("Malalai", "Gulalai", "Palwasha"),
        ("Wali", "Zabihullah", "Naqib", "Rahmatullah"),
        "AKSY",
        "ps",
        (("prs", (C1, C2), 1.0), ("en", (B1,), 0.3)),
        german=(B1, B2),
    ),
    Community(
        "farsi",
        3,
        ("Shirin", "Parisa", "Maryam", "Nasrin", "Leila"),
        ("Reza", "Babak", "Arash", "Kian", "Behnam"),
        "AEHKMR",
        "fa",
        (("en", (B2, C1), 0.8), ("prs", (C1,), 0.3)),
        german=(B2, C1, C1),
    ),
    Community(
        "tigrinya",
        3,
        ("Senait", "Luwam", "Selam", "Saba"),
        ("Yonas", "Dawit", "Filmon", "Tesfay", "Robel"),
        "BGHTW",
        "ti",
        (("en", (B1, B2), 0.7), ("ar", (B1, B2), 0.4)),
        german=(B1, B1, B2),
        locale="en",
    ),
    Community(
        "somali",
        2,
        ("Hodan", "Fadumo", "Sahra", "Hibo"),
        ("Abdirahman", "Liban", "Abdullahi", "Mahad"),
        "AHMO",
        "so",
        (("en", (B2, C1), 0.8), ("ar", (B1, B2), 0.5)),
        german=(B1, B2),
        locale="en",
    ),
    Community(
        "ukrainian",
        6,
        ("Olena", "Iryna", "Oksana", "Nataliia", "Kateryna", "Tetiana", "Svitlana", "Yuliia"),
        ("Andrii", "Oleksandr", "Dmytro", "Serhii", "Vasyl"),
        "BHKLMPSTZ",
        "uk",
        (("ru", (C2, N), 1.0), ("en", (B1, B2, C1), 0.5), ("pl", (B1, B2), 0.2)),
        german=(A2, B1, B1, B2, C1),
    ),
    Community(
        "russian",
        3,
        ("Irina", "Olga", "Natalja", "Swetlana", "Jelena"),
        ("Alexander", "Viktor", "Sergej", "Waldemar", "Eugen"),
        "BFKRSW",
        "ru",
        (("uk", (B1, B2), 0.3),),
        german=(C2, N),
        sprachlotse_share=0.5,
    ),
    Community(
        "turkish",
        4,
        ("Ayşe", "Elif", "Zeynep", "Fatma", "Emine", "Derya", "Gülşen"),
        ("Mehmet", "Murat", "Emre", "Hakan", "Serkan", "Cem"),
        "ÇDKÖSTY",
        "tr",
        (("kmr", (B2, C1, N), 0.3), ("en", (B1, B2), 0.4)),
        german=(C1, C2, N),
        sprachlotse_share=0.5,
    ),
    Community(
        "albanian",
        2,
        ("Arta", "Blerta", "Drita", "Vjosa"),
        ("Arben", "Besnik", "Driton", "Valon", "Agron"),
        "BGHKM",
        "sq",
        (("en", (B1, B2), 0.5),),
        german=(B2, C1),
    ),
    Community(
        "romanian",
        2,
        ("Ioana", "Andreea", "Elena", "Mihaela", "Alina"),
        ("Andrei", "Ionuț", "Mihai", "Florin", "Cristian"),
        "CDIMPR",
        "ro",
        (("en", (B1, B2), 0.5), ("fr", (B1,), 0.2)),
    ),
    Community(
        "bulgarian",
        2,
        ("Desislava", "Gergana", "Petya", "Radka"),
        ("Georgi", "Ivaylo", "Dimitar", "Stoyan"),
        "DIKPT",
        "bg",
        (("tr", (B2, C1, N), 0.5), ("ru", (B1, B2), 0.4)),
    ),
    Community(
        "polish",
        2,
        ("Agnieszka", "Katarzyna", "Magdalena", "Joanna"),
        ("Piotr", "Tomasz", "Krzysztof", "Marek"),
        "KLNSW",
        "pl",
        (("ru", (B1, B2), 0.4), ("uk", (B1,), 0.2), ("en", (B1, B2), 0.4)),
        german=(B2, C1, C2),
    ),
    Community(
        "francophone",
        2,
        ("Aminata", "Mariama", "Fatoumata", "Clarisse"),
        ("Mamadou", "Ibrahima", "Alseny", "Serge"),
        "BCDKST",
        "fr",
        (("en", (B1, B2, C1), 0.8),),
        german=(B1, B2),
        locale="en",
    ),
    Community(
        "german",
        4,
        ("Sabine", "Ulrike", "Petra", "Claudia", "Annette", "Monika", "Birgit", "Johanna"),
        ("Thomas", "Michael", "Jürgen", "Klaus", "Stefan", "Martin", "Lukas"),
        "BFHKMRSW",
        "de",
        (("en", (B2, C1, C2), 0.9), ("fr", (B1, B2, C1), 0.5), ("ar", (B1, B2), 0.2), ("ru", (B2,), 0.2)),
        german=(N,),
        sprachlotse_share=0.0,
    ),
)

STAFF = (
    # e-mail, display name, role
    (ADMIN_EMAIL, "Markus Brandt (IT)", "admin"),
    (COORDINATOR_EMAIL, "Katrin Möller", "coordinator"),
    ("j.albers@ki-hoexter.example", "Jonas Albers", "coordinator"),
    ("s.yildiz@ki-hoexter.example", "Serap Yıldız (KIM)", "coordinator"),
)

ORGANISATIONS = (
    # name, kind, town, members (e-mail, display name)
    (
        "Asylkreis Brakel",
        "initiative",
        "Brakel",
        ((INITIATIVE_EMAIL, "Gisela W. (Asylkreis)"), ("bernd.k@asylkreis-brakel.example", "Bernd K.")),
    ),
    (
        "Deutsch-Syrischer Kulturverein Höxter e. V.",
        "migrant_organisation",
        "Höxter",
        (("vorstand@kulturverein-hoexter.example", "Hussein A. (Vorstand)"),),
    ),
    (
        "Grundschule am Stadtpark Steinheim",
        "school",
        "Steinheim",
        (("sekretariat@gs-stadtpark-steinheim.example", "Frau L. (Schulsozialarbeit)"),),
    ),
    (
        "Familienzentrum St. Marien Beverungen",
        "partner_service",
        "Beverungen",
        (("leitung@familienzentrum-beverungen.example", "Anke R. (Leitung)"),),
    ),
)

STREETS = (
    "Bahnhofstraße",
    "Hauptstraße",
    "Lindenstraße",
    "Marktstraße",
    "Kirchstraße",
    "Schulstraße",
    "Gartenstraße",
    "Mühlenweg",
    "Am Kamp",
    "Bergstraße",
    "Wiesenweg",
    "Am Rathaus",
    "Poststraße",
    "Ringstraße",
    "Hohe Straße",
    "Brunnenstraße",
)

# Where an in-person appointment of a topic takes place.
INSTITUTIONS = {
    "authorities": (
        "Bürgerbüro im Rathaus",
        "Ausländerbehörde, Nebenstelle",
        "Standesamt",
        "Sozialamt, Zimmer 12",
        "Wohngeldstelle",
    ),
    "health": (
        "Hausarztpraxis",
        "Kinderarztpraxis",
        "Zahnarztpraxis",
        "Krankenhaus, Ambulanz",
        "Gesundheitsamt, Sprechstunde",
        "Praxis für Physiotherapie",
    ),
    "school": (
        "Grundschule, Sekretariat",
        "Kita Regenbogen",
        "Offener Ganztag der Grundschule",
        "Sekundarschule, Beratungsraum",
    ),
    "parents": (
        "Grundschule, Elternsprechzimmer",
        "Kita Sonnenblume, Gruppenraum",
        "Sekundarschule, Raum 104",
        "Förderschule, Besprechungsraum",
    ),
    "work": (
        "Jobcenter, Geschäftsstelle",
        "Agentur für Arbeit, Berufsberatung",
        "Integrationskursträger, Beratung",
        "Handwerksbetrieb (Vorstellungsgespräch)",
    ),
    "housing": (
        "Wohnungsbesichtigung",
        "Hausverwaltung, Büro",
        "Stadtwerke, Kundencenter",
        "Mieterverein, Beratung",
    ),
    "everyday": (
        "Sparkassen-Filiale",
        "Verbraucherzentrale, Beratung",
        "Sportverein, Geschäftsstelle",
        "Stadtbücherei",
    ),
}
GYNAECOLOGY = "Frauenarztpraxis"

NOTES = {
    ("authorities", "accompaniment"): (
        "Verlängerung des Aufenthaltstitels, Unterlagen sind vollständig.",
        "Anmeldung nach Umzug; Mietbescheinigung bitte mitbringen lassen.",
        "Antrag auf Kindergeld, Fragen zu den Formularen.",
    ),
    ("authorities", "onsite"): (
        "Gespräch über den Bescheid vom letzten Monat.",
        "Beratungsgespräch Sozialamt, ca. eine Stunde.",
    ),
    ("authorities", "remote"): ("Telefonische Rückfrage der Behörde zu einem Antrag.",),
    ("health", "accompaniment"): (
        "Voruntersuchung; die Praxis bittet um pünktliches Erscheinen.",
        "Termin zur U-Untersuchung des jüngsten Kindes.",
        "Besprechung von Befunden, bitte ruhig und geduldig übersetzen.",
    ),
    ("health", "onsite"): (
        "Aufklärungsgespräch vor einem kleinen Eingriff.",
        "Impfsprechstunde für die ganze Familie.",
    ),
    ("health", "remote"): (
        "Videosprechstunde; die Praxis ruft über ihr System an.",
        "Telefonat mit der Praxis wegen Medikamenteneinnahme.",
    ),
    ("school", "accompaniment"): (
        "Anmeldung an der Grundschule, Zeugnisse liegen vor.",
        "Anmeldung in der Kita, Fragen zur Eingewöhnung.",
    ),
    ("school", "onsite"): (
        "Informationsabend zum Übergang in die weiterführende Schule.",
        "Gespräch mit der Schulsozialarbeit.",
    ),
    ("school", "remote"): ("Kurzes Telefonat mit der Klassenleitung.",),
    ("parents", "onsite"): (
        "Elternsprechtag, die Lehrerin bittet um Sprachmittlung.",
        "Entwicklungsgespräch in der Kita.",
        "Gespräch über Förderbedarf, mit Schulleitung.",
    ),
    ("parents", "remote"): ("Elterngespräch per Video, ca. 30 Minuten.",),
    ("work", "accompaniment"): (
        "Erstgespräch beim Jobcenter, Kooperationsplan.",
        "Vorstellungsgespräch für eine Ausbildungsstelle.",
        "Termin bei der Berufsberatung.",
    ),
    ("work", "onsite"): ("Beratung zur Anerkennung des Berufsabschlusses.",),
    ("work", "remote"): ("Telefontermin mit der Arbeitsvermittlung.",),
    ("housing", "accompaniment"): (
        "Wohnungsbesichtigung, danach Fragen zum Mietvertrag.",
        "Übergabe der Wohnung mit Protokoll.",
    ),
    ("housing", "onsite"): ("Gespräch mit der Hausverwaltung wegen Nebenkosten.",),
    ("housing", "remote"): ("Telefonat mit dem Vermieter wegen einer Reparatur.",),
    ("everyday", "accompaniment"): (
        "Kontoeröffnung, Ausweis und Meldebescheinigung liegen vor.",
        "Anmeldung der Kinder im Sportverein.",
        "Fragen zu einem Handyvertrag.",
    ),
    ("everyday", "remote"): ("Rückfrage zu einer Rechnung der Stadtwerke.",),
    ("translation", "written"): (
        "Schreiben der Familienkasse, zwei Seiten.",
        "Elternbrief der Schule zur Klassenfahrt.",
        "Informationsblatt der Kita zur Eingewöhnung.",
        "Hausordnung der Wohnanlage, eine Seite.",
        "Merkblatt des Gesundheitsamts.",
    ),
    ("school", "written"): ("Einladung zum Elternabend mit Rückmeldebogen.",),
    ("authorities", "written"): ("Anschreiben der Ausländerbehörde (Terminhinweise).",),
}

DECLINE_REASONS = (
    "Bin an dem Tag leider verhindert.",
    "Der Termin kollidiert mit meiner Arbeit.",
    "Ohne Auto komme ich dort nicht hin.",
    "Ich bin diese Woche krank.",
    "Ich habe schon einen anderen Termin angenommen.",
    "Das Thema ist mir gerade zu belastend.",
    None,
)

WITHDRAW_REASONS = (
    "Leider erkrankt, bitte jemand anderen fragen.",
    "Kurzfristig Schicht bei der Arbeit bekommen.",
)

CANCEL_NOTES = (
    "Termin vom Jobcenter abgesagt.",
    "Familie ist umgezogen.",
    "Termin verschoben, neue Anfrage folgt.",
    "Klientin hat selbst jemanden gefunden.",
    "Praxis hat den Termin abgesagt.",
    "Familie hat abgesagt.",
)

DECLINE_NOTES = (
    "Gerichtstermin: dafür ist eine beeidigte Dolmetscherin nötig.",
    "Anfrage doppelt eingegangen.",
    "Bitte an die Migrationsberatung wenden, dort gibt es eine Sprechstunde.",
    "Das ist eine Übersetzung für ein amtliches Verfahren; bitte ein Übersetzungsbüro beauftragen.",
)

REPORT_NOTES = (
    "Termin verlief gut, Folgetermin in drei Wochen.",
    "Unterlagen gemeinsam sortiert, keine offenen Fragen.",
    "Wartezeit etwa 30 Minuten, Gespräch ruhig und sachlich.",
    "Alles geklärt.",
    "Familie hat sich sehr bedankt.",
    "Kurzfristig verlängert, weil noch Fragen zu Formularen kamen.",
    "Nächster Termin wird von der Praxis direkt vereinbart.",
    None,
)

WRITTEN_REPORT_NOTES = (
    "Übersetzung an die Koordination geschickt.",
    "Übersetzung fertig, ein Fachbegriff ist markiert.",
)

ABSENCE_NOTES = ("Urlaub", "Urlaub", "Familienbesuch", "Prüfungsphase", "Krank", "Umzug", None)
