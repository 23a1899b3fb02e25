"""The bench's KIs: North Rhine-Westphalia's 54 integration centres, one per Kreis or kreisfreie Stadt.

The first is the installation's default (Kreis Höxter), whose pages the harness measures. Every
KI is set up through ``installation.setup.create_ki``, the service behind ``flask ki create``, and
then given the ten towns of Kreis Höxter: the data set's distances and home towns follow the
demo's (``devtools.demo``), so every KI has the same geography under its own name.
"""

from __future__ import annotations

from ki_match.reference.data import KREIS_HOEXTER

# (slug, name); Aachen has two KIs, the city's and the StädteRegion's.
NRW = [
    (KREIS_HOEXTER["slug"], KREIS_HOEXTER["name"]),
    ("aachen", "Stadt Aachen"),
    ("staedteregion-aachen", "StädteRegion Aachen"),
    ("bielefeld", "Stadt Bielefeld"),
    ("bochum", "Stadt Bochum"),
    ("bonn", "Stadt Bonn"),
    ("borken", "Kreis Borken"),
    ("bottrop", "Stadt Bottrop"),
    ("coesfeld", "Kreis Coesfeld"),
    ("dortmund", "Stadt Dortmund"),
    ("dueren", "Kreis Düren"),
    ("duesseldorf", "Landeshauptstadt Düsseldorf"),
    ("duisburg", "Stadt Duisburg"),
    ("ennepe-ruhr-kreis", "Ennepe-Ruhr-Kreis"),
    ("essen", "Stadt Essen"),
    ("euskirchen", "Kreis Euskirchen"),
    ("gelsenkirchen", "Stadt Gelsenkirchen"),
    ("guetersloh", "Kreis Gütersloh"),
    ("hagen", "Stadt Hagen"),
    ("hamm", "Stadt Hamm"),
    ("heinsberg", "Kreis Heinsberg"),
    ("herford", "Kreis Herford"),
    ("herne", "Stadt Herne"),
    ("hochsauerlandkreis", "Hochsauerlandkreis"),
    ("kleve", "Kreis Kleve"),
    ("koeln", "Stadt Köln"),
    ("krefeld", "Stadt Krefeld"),
    ("leverkusen", "Stadt Leverkusen"),
    ("lippe", "Kreis Lippe"),
    ("maerkischer-kreis", "Märkischer Kreis"),
    ("mettmann", "Kreis Mettmann"),
    ("minden-luebbecke", "Kreis Minden-Lübbecke"),
    ("moenchengladbach", "Stadt Mönchengladbach"),
    ("muelheim-an-der-ruhr", "Stadt Mülheim an der Ruhr"),
    ("muenster", "Stadt Münster"),
    ("oberbergischer-kreis", "Oberbergischer Kreis"),
    ("oberhausen", "Stadt Oberhausen"),
    ("olpe", "Kreis Olpe"),
    ("paderborn", "Kreis Paderborn"),
    ("recklinghausen", "Kreis Recklinghausen"),
    ("remscheid", "Stadt Remscheid"),
    ("rhein-erft-kreis", "Rhein-Erft-Kreis"),
    ("rhein-kreis-neuss", "Rhein-Kreis Neuss"),
    ("rhein-sieg-kreis", "Rhein-Sieg-Kreis"),
    ("rheinisch-bergischer-kreis", "Rheinisch-Bergischer Kreis"),
    ("siegen-wittgenstein", "Kreis Siegen-Wittgenstein"),
    ("soest", "Kreis Soest"),
    ("solingen", "Klingenstadt Solingen"),
    ("steinfurt", "Kreis Steinfurt"),
    ("unna", "Kreis Unna"),
    ("viersen", "Kreis Viersen"),
    ("warendorf", "Kreis Warendorf"),
    ("wesel", "Kreis Wesel"),
    ("wuppertal", "Stadt Wuppertal"),
]


def ki_spec(number: int) -> tuple[str, str]:
    """(slug, name) of the ``number``-th KI, counted from 1; past the state's 54, numbered ones."""
    if number <= len(NRW):
        return NRW[number - 1]
    return f"bench-{number}", f"KI {number}"
