"""Matching against the database: facts gathered correctly, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import event

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import Absence, HelperKind
from ki_match.matching import services
from ki_match.reference.models import Level
from ki_match.requests.models import HelpRequest, Offer, OfferStatus, RequestKind, RequestStatus
from tests.factories import language


def test_match_ranks_candidates_and_lists_near_misses(brakel_request, available_helper):
    amina = available_helper(display_name="Amina K.")
    on_holiday = available_helper(display_name="Basma R.")
    db.session.add(
        Absence(
            helper_id=on_holiday.id,
            first_day=brakel_request.starts_at.date() - timedelta(days=2),
            last_day=brakel_request.starts_at.date() + timedelta(days=3),
        )
    )
    available_helper(display_name="Olena P.", languages=(("uk", Level.NATIVE), ("de", Level.C1)))
    db.session.commit()

    result = services.match(brakel_request)
    assert [c.helper.name for c in result.candidates] == ["Amina K."]
    assert "Muttersprache Arabisch" in result.candidates[0].reasons
    assert [c.helper.name for c in result.near_misses] == ["Basma R."]
    assert result.near_misses[0].failures[0].rule == "absent"
    assert amina.id == result.candidates[0].helper.id


def test_prefilter_leaves_out_unapproved_and_withdrawn_consent(brakel_request, available_helper):
    available_helper(display_name="Ohne Freigabe", approved=False)
    no_consent = available_helper(display_name="Ohne Einwilligung")
    no_consent.consent_given_at = None
    db.session.commit()
    result = services.match(brakel_request)
    assert result.candidates == [] and result.near_misses == []


def test_declined_helpers_are_near_misses_with_that_reason(brakel_request, available_helper):
    amina = available_helper(display_name="Amina K.")
    db.session.add(Offer(request_id=brakel_request.id, helper_id=amina.id, status=OfferStatus.DECLINED))
    db.session.commit()
    result = services.match(brakel_request)
    assert result.candidates == []
    assert result.near_misses[0].failures[0].rule == "declined"


def test_why_not_lists_every_failed_rule(brakel_request, available_helper):
    helper = available_helper(
        display_name="Yusuf T.",
        languages=(("ar", Level.B1), ("de", Level.A2)),
        home="Warburg",
        slots=[(3, time(9), time(13))],
    )
    helper.kind = HelperKind.VOLUNTEER
    brakel_request.qualified_required = True
    db.session.commit()
    rules = [failure.rule for failure in services.why_not(brakel_request, helper)]
    assert rules == ["language", "german", "slot", "qualified", "reach"]


def test_number_of_queries_does_not_grow_with_candidates(app, brakel_request, available_helper):
    def statements_for_match() -> int:
        count = 0

        def count_statement(*args):
            nonlocal count
            count += 1

        engine = db.engine
        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            db.session.expire_all()
            request = db.session.get(HelpRequest, brakel_request.id)
            services.match(request)
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        return count

    for _ in range(3):
        available_helper()
    few = statements_for_match()
    for _ in range(25):
        available_helper(slots=[(1, time(8), time(12)), (4, time(14), time(18))])
    many = statements_for_match()
    assert many == few


def test_written_translation_ignores_slots_and_travel(ki, coordinator, available_helper):
    far_away = available_helper(display_name="Lena W.", home="Warburg", slots=[])
    request = HelpRequest(
        ki_id=ki.id,
        kind=RequestKind.WRITTEN,
        status=RequestStatus.OPEN,
        language_id=language("ar").id,
        min_level=Level.C1,
        due_on=date.today() + timedelta(days=5),
        created_by_id=coordinator.id,
    )
    db.session.add(request)
    db.session.commit()
    assert [c.helper.id for c in services.match(request).candidates] == [far_away.id]


def test_history_facts_come_from_one_pass_over_assignments(ki, coordinator, brakel_request, available_helper):
    """Recent load, topic experience, no-shows and "knows the family" are counted per helper."""
    from ki_match.matching import queries
    from ki_match.reference.models import Topic
    from ki_match.requests.models import Assignment, AssignmentStatus

    amina = available_helper(display_name="Amina K.")
    other = available_helper(display_name="Basma R.")
    now = utcnow()

    def past(days: int, status: AssignmentStatus, helper, client_ref: str | None = None, topic=None):
        earlier = HelpRequest(
            ki_id=ki.id,
            kind=RequestKind.REMOTE,
            status=RequestStatus.COMPLETED,
            language_id=language("ar").id,
            starts_at=now - timedelta(days=days),
            duration_minutes=60,
            client_ref=client_ref,
            topic_id=topic,
            created_by_id=coordinator.id,
        )
        db.session.add(earlier)
        db.session.flush()
        db.session.add(
            Assignment(
                request_id=earlier.id,
                helper_id=helper.id,
                seat=1,
                status=status,
                starts_at=earlier.starts_at,
                ends_at=earlier.starts_at + timedelta(hours=1),
            )
        )

    topic_id = db.session.scalar(db.select(Topic.id).where(Topic.code == "health"))
    brakel_request.topic_id = topic_id
    past(3, AssignmentStatus.COMPLETED, amina, client_ref="Familie A-17", topic=topic_id)
    past(10, AssignmentStatus.COMPLETED, amina)
    past(60, AssignmentStatus.NO_SHOW, amina)
    past(5, AssignmentStatus.COMPLETED, other, client_ref="Familie B-2")
    db.session.commit()

    german = queries.german_id(queries.languages(ki.id))
    found = queries.helper_facts(ki.id, queries.request_facts(brakel_request), german)
    facts = {h.id: h for h in found}
    assert facts[amina.id].recent_assignments == 2
    assert facts[amina.id].no_shows == 1
    assert facts[amina.id].knows_client is True
    assert facts[amina.id].topic_experience == 1
    assert facts[other.id].recent_assignments == 1
    assert facts[other.id].knows_client is False
    assert facts[other.id].no_shows == 0
