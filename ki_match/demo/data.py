"""Demo data (placeholder until the demo data set lands)."""

from ki_match.extensions import db
from ki_match.reference.services import ensure_reference_data


def load_demo() -> str:
    ensure_reference_data()
    db.session.commit()
    return "reference data only"
