"""The request form and the rules behind it: names, local time across daylight saving, completeness by kind."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from ki_match.clock import NonexistentLocalTime, local_parts, local_to_utc
from ki_match.helpers.models import Gender
from ki_match.reference.services import ensure_reference_data
from ki_match.requests.data import RequestData, missing_to_open
from ki_match.requests.forms import RequestForm, looks_like_full_name
from ki_match.requests.models import FillMode, RequestKind, RequestStatus
from tests.factories import language, town


@pytest.mark.parametrize(
    ("value", "looks_like_name"),
    [
        ("Amina Haddad", True),
        ("Herr Müller", True),
        ("Anna-Lena Schmidt", True),
        ("Özlem Yılmaz", True),
        ("Familie Ahmadi", True),  # a family name is a name too
        ("amina haddad", False),  # the rule is about capitalised words
        ("Familie A-17", False),
        ("Familie A.", False),
        ("2024-113", False),
        ("KIM Fall 7", False),
        ("AB CD", False),  # capitals only: an abbreviation, not a name
        ("Amina", False),
        ("", False),
    ],
)
def test_looks_like_full_name(value, looks_like_name):
    assert looks_like_full_name(value) is looks_like_name


def test_local_to_utc_in_winter_and_summer():
    assert local_to_utc(date(2026, 1, 13), time(10)) == datetime(2026, 1, 13, 9, tzinfo=UTC)
    assert local_to_utc(date(2026, 7, 14), time(10)) == datetime(2026, 7, 14, 8, tzinfo=UTC)


@pytest.mark.parametrize("clock", [time(2, 0), time(2, 30), time(2, 59)])
def test_local_to_utc_refuses_times_skipped_in_march(clock):
    with pytest.raises(NonexistentLocalTime):
        local_to_utc(date(2026, 3, 29), clock)


def test_local_to_utc_around_the_march_gap():
    assert local_to_utc(date(2026, 3, 29), time(1, 59)) == datetime(2026, 3, 29, 0, 59, tzinfo=UTC)
    assert local_to_utc(date(2026, 3, 29), time(3, 0)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_local_to_utc_takes_the_first_of_two_october_times():
    assert local_to_utc(date(2026, 10, 25), time(2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_to_utc(date(2026, 10, 25), time(3, 0)) == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)


def test_local_parts_round_trip():
    instant = local_to_utc(date(2026, 10, 25), time(2, 30))
    assert local_parts(instant) == (date(2026, 10, 25), time(2, 30))
    assert local_parts(None) == (None, None)


def data(kind=RequestKind.ACCOMPANIMENT, **fields) -> RequestData:
    values = {
        "language_id": 1,
        "starts_at": datetime(2030, 1, 1, 9, tzinfo=UTC),
        "duration_minutes": 60,
        "town_id": 1,
    }
    values.update(fields)
    return RequestData(kind=kind, **values)


@pytest.mark.parametrize(
    ("kind", "fields", "missing"),
    [
        (RequestKind.ACCOMPANIMENT, {}, []),
        (RequestKind.ONSITE, {"town_id": None}, ["town_id"]),
        (RequestKind.REMOTE, {"town_id": None}, []),
        (
            RequestKind.REMOTE,
            {"starts_at": None, "duration_minutes": None},
            ["day", "start", "duration_minutes"],
        ),
        (RequestKind.WRITTEN, {"town_id": None}, ["due_on"]),
        (RequestKind.WRITTEN, {"due_on": date(2030, 1, 1), "starts_at": None}, []),
        (RequestKind.ACCOMPANIMENT, {"language_id": None}, ["language_id"]),
    ],
)
def test_missing_to_open_by_kind(kind, fields, missing):
    assert missing_to_open(data(kind, **fields)) == missing


def test_missing_to_open_names_only_the_part_of_the_time_not_given():
    assert missing_to_open(data(starts_at=None), local_date=date(2030, 1, 1)) == ["start"]


def test_relevant_drops_what_the_kind_does_not_use():
    written = data(
        RequestKind.WRITTEN, due_on=date(2030, 1, 1), place="Büro", alt_language_ids=[1, 2]
    ).relevant()
    assert (written.starts_at, written.duration_minutes, written.place, written.alt_language_ids) == (
        None,
        None,
        None,
        [2],
    )
    onsite = data(RequestKind.ONSITE, due_on=date(2030, 1, 1), place="Büro").relevant()
    assert (onsite.due_on, onsite.place) == (None, "Büro")


# --- the form itself --------------------------------------------------------------------------


def next_week() -> date:
    return date.today() + timedelta(days=8)


def formdata(**overrides) -> MultiDict:
    values = {
        "kind": "onsite",
        "language_id": str(language("ar").id),
        "min_level": "3",
        "topic_id": "0",
        "day": next_week().isoformat(),
        "start": "10:00",
        "duration_minutes": "60",
        "town_id": str(town("Brakel").id),
        "client_ref": "A-1",
        "organisation_id": "0",
        "gender_pref": "",
        "helpers_needed": "1",
        "fill_mode": "confirm",
        "intent": "open",
    }
    values.update(overrides)
    return MultiDict(values)


def make_form(ki, status=None, inline=False, **overrides) -> RequestForm:
    return RequestForm(formdata=formdata(**overrides), ki=ki, status=status, inline=inline)


def test_valid_form_gives_stored_values(app, ki):
    with app.test_request_context():
        form = make_form(ki, gender_pref="female", fill_mode="first_accept", qualified_required="y")
        assert form.validate(), form.errors
        result = form.to_data()
    assert result.kind == RequestKind.ONSITE
    assert result.starts_at == local_to_utc(next_week(), time(10))
    assert result.gender_pref == Gender.FEMALE
    assert result.fill_mode == FillMode.FIRST_TO_ACCEPT
    assert result.qualified_required is True
    assert result.town_id == town("Brakel").id


def test_a_draft_needs_only_the_language_but_an_open_request_everything(app, ki):
    with app.test_request_context():
        draft = make_form(ki, intent="draft", day="", town_id="0")
        assert draft.validate(), draft.errors
        opening = make_form(ki, intent="open", day="", town_id="0")
        assert not opening.validate()
        assert set(opening.errors) == {"day", "town_id"}
        # saving an open request without the intent to open still needs everything
        editing = make_form(ki, status=RequestStatus.OPEN, intent="save", day="")
        assert not editing.validate() and set(editing.errors) == {"day"}
        drafting = make_form(ki, status=RequestStatus.DRAFT, intent="draft", language_id="0")
        assert not drafting.validate() and set(drafting.errors) == {"language_id"}


def test_inline_validation_reports_wrong_values_only(app, ki):
    with app.test_request_context():
        form = make_form(ki, inline=True, day="", town_id="0", client_ref="Amina Haddad")
        assert not form.validate()
        assert set(form.errors) == {"client_ref"}
        assert form.missing_to_open() == ["day", "town_id"]


def test_a_town_of_another_ki_is_not_a_choice(app, ki):
    other = ensure_reference_data(
        {"slug": "nachbar", "name": "Nachbar-KI", "towns": [("Paderborn", 51.7, 8.7)]}
    )
    from ki_match.extensions import db
    from ki_match.reference.models import Town

    foreign = db.session.scalar(db.select(Town).where(Town.ki_id == other.id))
    with app.test_request_context():
        form = make_form(ki, town_id=str(foreign.id))
        assert not form.validate()
        assert "town_id" in form.errors
        assert form.to_data().town_id is None  # the live preview ignores it too


def test_past_date_only_checked_for_the_kind_that_uses_it(app, ki):
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    with app.test_request_context():
        written = make_form(ki, kind="written", day=yesterday, due_on=next_week().isoformat())
        assert written.validate(), written.errors
        onsite = make_form(ki, day=yesterday)
        assert not onsite.validate() and "day" in onsite.errors


def test_time_already_past_today_is_refused(app, ki, monkeypatch):
    monkeypatch.setattr("ki_match.requests.forms.local_today", lambda: date(2030, 6, 3))
    monkeypatch.setattr("ki_match.requests.forms.utcnow", lambda: datetime(2030, 6, 3, 12, tzinfo=UTC))
    with app.test_request_context():
        form = make_form(ki, day="2030-06-03", start="13:30")  # 11:30 UTC: half an hour ago
        assert not form.validate()
        assert form.errors["start"] == ["Diese Uhrzeit ist heute schon vorbei."]
        later = make_form(ki, day="2030-06-03", start="14:30")
        assert later.validate(), later.errors


def test_alternatives_exclude_the_main_language_and_unknown_ids(app, ki):
    with app.test_request_context():
        form = RequestForm(
            formdata=MultiDict(
                [
                    *formdata().items(multi=True),
                    ("alt_language_ids", str(language("ar").id)),
                    ("alt_language_ids", str(language("fa").id)),
                ]  # fmt: skip
            ),
            ki=ki,
        )
        assert form.validate(), form.errors
        assert form.to_data().relevant().alt_language_ids == [language("fa").id]
        german = RequestForm(
            formdata=MultiDict([*formdata().items(multi=True), ("alt_language_ids", str(language("de").id))]),
            ki=ki,
        )
        assert not german.validate() and "alt_language_ids" in german.errors
