"""What the matching tests share."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.reference.models import Level
from ki_match.requests.models import HelpRequest, RequestKind, RequestStatus
from tests.factories import language, town


@pytest.fixture
def brakel_request(ki, coordinator):
    """Next week's Tuesday, 10:00–11:30 in Brakel, Arabic at B2."""
    today = utcnow().date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 + 7)
    starts = datetime.combine(tuesday, time(10), ZoneInfo("Europe/Berlin"))
    request = HelpRequest(
        ki_id=ki.id,
        kind=RequestKind.ACCOMPANIMENT,
        status=RequestStatus.OPEN,
        language_id=language("ar").id,
        min_level=Level.B2,
        starts_at=starts,
        duration_minutes=90,
        town_id=town("Brakel").id,
        client_ref="Familie A-17",
        created_by_id=coordinator.id,
    )
    db.session.add(request)
    db.session.commit()
    return request
