"""A hand-built month of work with known report figures (March 2026, Europe/Berlin).

Berlin is UTC+1 until 29 March 2026 01:00 UTC (the last Sunday of March), UTC+2 after.

Demand in March (by creation time, drafts never count):
  R1  28.02. 23:30 UTC = 1 March 00:30 Berlin   ar  Brakel  onsite   completed  confirmed after 60 min
  R2  31.03. 21:30 UTC = 31 March 23:30 Berlin  ar  Höxter  onsite   filled     confirmed after 120 min
  R5  29.03. 00:30 UTC = 01:30 CET (DST day)    fa  Brakel  onsite   unfilled   (an offer was declined)
  R6  29.03. 01:30 UTC = 03:30 CEST (DST day)   fa  –       remote   open       no offer ever
  R7  15.03.                                    uk  Brakel  onsite   cancelled  (with an offer)
  R8  20.03.                                    ar  –       written  completed  confirmed after 30 min
  R10 05.03.                                    ar  Brakel  onsite   completed  confirmed after 600 min
Not in March: R3 (31.03. 22:30 UTC = 1 April 00:30 Berlin), R4 (28.02. 22:30 UTC = 28 Feb 23:30),
R11 and R12 (made in February), R9 (a draft).

Work in March (by appointment day):
  R1  10 March 10:00     H1  completed, approved  90 min, 12 km  rate 1
  R11 1 March 00:30      H3  completed, approved  60 min,  5 km  rate 1
  R12 11 March 00:30     H1  completed, approved  50 min,  7 km  rate 2 (valid from 11 March)
  R8  due 25 March       H2  completed, approved 240 min,  0 km  rate 2
  R10 12 March           H2  no-show
R2's appointment (1 April 00:30 Berlin) belongs to April.

Qualified Sprachlots*innen (today, not by period): H1 (ar, fa, de) and H2 (ar, de) are Sprachlots*innen
with the qualification. Not counted: H3 (a volunteer, though her basic training is recorded), and H4
(deactivated), H5 (not approved) and H6 (without the qualification), Sprachlots*innen speaking ar:
  ar 2, de 2, fa 1; 2 people.

Rates: from 1 Jan 2026 10,00 €/h and 0,30 €/km; from 11 March 2026 12,50 €/h and 0,35 €/km.
  H1: R1 90·1000/60 + 12·30 = 1500 + 360 = 1860; R12 50·1250/60 = 1041,67 → 1042 + 7·35 = 1287; 3147
  H2: R8 240·1250/60 = 5000
  H3: R11 60·1000/60 + 5·30 = 1150
  total 9297
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ki_match.extensions import db
from ki_match.helpers.models import HelperKind
from ki_match.orgs.models import Organisation
from ki_match.reference.models import Level
from ki_match.reports.models import AllowanceRate
from ki_match.requests.models import (
    Assignment,
    AssignmentStatus,
    HelpRequest,
    Offer,
    OfferStatus,
    RequestKind,
    RequestStatus,
)
from tests.factories import language, town


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@dataclass
class March:
    helpers: list  # H1, H2, H3 (HelperProfile)
    requests: dict  # "R1" → HelpRequest
    organisation: Organisation


def _request(
    ki,
    created_at,
    code,
    status,
    *,
    kind=RequestKind.ONSITE,
    town_name="Brakel",
    starts_at=None,
    due_on=None,
    organisation=None,
) -> HelpRequest:
    request = HelpRequest(
        ki_id=ki.id,
        kind=kind,
        status=status,
        language_id=language(code).id,
        starts_at=starts_at if kind != RequestKind.WRITTEN else None,
        duration_minutes=60 if kind != RequestKind.WRITTEN else None,
        due_on=due_on,
        town_id=town(town_name).id if town_name else None,
        client_ref="Fall 1",
        organisation_id=organisation.id if organisation else None,
        created_at=created_at,
    )
    db.session.add(request)
    db.session.flush()
    return request


def _assign(
    request, helper, *, confirmed_after, status=AssignmentStatus.COMPLETED, minutes=None, km=None, seat=1
) -> Assignment:
    assignment = Assignment(
        request_id=request.id,
        helper_id=helper.id,
        seat=seat,
        status=status,
        starts_at=request.starts_at,
        ends_at=request.starts_at + timedelta(minutes=60) if request.starts_at else None,
        confirmed_at=request.created_at + timedelta(minutes=confirmed_after),
        actual_minutes=minutes,
        travel_km=km,
        approved_at=request.created_at + timedelta(days=40) if minutes is not None else None,
    )
    db.session.add(assignment)
    db.session.flush()
    return assignment


def _sprachlotse(create_helper, **fields):
    """A helper of the kind Sprachlotsin, her qualification recorded unless ``checked=False``."""
    profile = create_helper(**fields)
    profile.kind = HelperKind.SPRACHLOTSE
    db.session.commit()
    return profile


def _not_counted_sprachlotsen(create_helper) -> None:
    """H4 (deactivated), H5 (not approved), H6 (without the qualification): no work, not counted."""
    _sprachlotse(create_helper, display_name="Dana Inaktiv", active=False)
    _sprachlotse(create_helper, display_name="Emre Neu", approved=False)
    _sprachlotse(create_helper, display_name="Farah Ohne", checked=False)


def build_march(ki, create_helper) -> March:
    h1 = _sprachlotse(
        create_helper,
        display_name="Amal Helferin",
        languages=(("ar", Level.NATIVE), ("fa", Level.C1), ("de", Level.B2)),
    )
    h2 = _sprachlotse(create_helper, display_name="Bashir Helfer")
    h3 = create_helper(display_name="Clara Helferin")
    _not_counted_sprachlotsen(create_helper)
    school = Organisation(ki_id=ki.id, name="Grundschule Brakel")
    db.session.add(school)
    db.session.flush()
    s = RequestStatus
    r = {}
    r["R1"] = _request(
        ki, utc(2026, 2, 28, 23, 30), "ar", s.COMPLETED, starts_at=utc(2026, 3, 10, 9), organisation=school
    )
    r["R2"] = _request(
        ki, utc(2026, 3, 31, 21, 30), "ar", s.FILLED, town_name="Höxter", starts_at=utc(2026, 3, 31, 22, 30)
    )
    r["R3"] = _request(ki, utc(2026, 3, 31, 22, 30), "uk", s.UNFILLED, starts_at=utc(2026, 4, 3, 9))
    r["R4"] = _request(ki, utc(2026, 2, 28, 22, 30), "ar", s.OPEN, starts_at=utc(2026, 4, 4, 9))
    r["R5"] = _request(ki, utc(2026, 3, 29, 0, 30), "fa", s.UNFILLED, starts_at=utc(2026, 3, 30, 9))
    r["R6"] = _request(
        ki,
        utc(2026, 3, 29, 1, 30),
        "fa",
        s.OPEN,
        kind=RequestKind.REMOTE,
        town_name=None,
        starts_at=utc(2026, 4, 20, 9),
    )
    r["R7"] = _request(ki, utc(2026, 3, 15, 10), "uk", s.CANCELLED, starts_at=utc(2026, 3, 18, 9))
    r["R8"] = _request(
        ki,
        utc(2026, 3, 20, 10),
        "ar",
        s.COMPLETED,
        kind=RequestKind.WRITTEN,
        town_name=None,
        due_on=date(2026, 3, 25),
        organisation=school,
    )
    r["R9"] = _request(ki, utc(2026, 3, 21, 10), "ar", s.DRAFT)
    r["R10"] = _request(ki, utc(2026, 3, 5, 10), "ar", s.COMPLETED, starts_at=utc(2026, 3, 12, 9))
    r["R11"] = _request(ki, utc(2026, 2, 10, 10), "ar", s.COMPLETED, starts_at=utc(2026, 2, 28, 23, 30))
    r["R12"] = _request(ki, utc(2026, 2, 11, 10), "ar", s.COMPLETED, starts_at=utc(2026, 3, 10, 23, 30))
    for code, helper, status in (
        ("R4", h3, OfferStatus.PENDING),
        ("R5", h2, OfferStatus.DECLINED),
        ("R7", h3, OfferStatus.PENDING),
    ):
        db.session.add(Offer(request_id=r[code].id, helper_id=helper.id, status=status))
    _assign(r["R1"], h1, confirmed_after=60, minutes=90, km=12)
    _assign(r["R2"], h1, confirmed_after=120, status=AssignmentStatus.CONFIRMED)
    _assign(r["R8"], h2, confirmed_after=30, minutes=240, km=0)
    _assign(r["R10"], h2, confirmed_after=600, status=AssignmentStatus.NO_SHOW)
    _assign(r["R11"], h3, confirmed_after=60, minutes=60, km=5)
    _assign(r["R12"], h1, confirmed_after=60, minutes=50, km=7)
    db.session.add(
        AllowanceRate(ki_id=ki.id, valid_from=date(2026, 1, 1), per_hour_cents=1000, per_km_cents=30)
    )
    db.session.add(
        AllowanceRate(ki_id=ki.id, valid_from=date(2026, 3, 11), per_hour_cents=1250, per_km_cents=35)
    )
    db.session.commit()
    return March([h1, h2, h3], r, school)
