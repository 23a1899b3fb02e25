"""The statements matching runs (``matching.queries``), each built once per process and dialect.

Everything that varies from one ranking to the next is a bound parameter: the
candidates' ids (``:known``), the KI, the request's times, topic and client. So
SQLAlchemy reuses each statement's cache key and compiled form instead of
building and hashing the same select again on every ranking (about half of a
ranking's CPU time before), and on PostgreSQL psycopg prepares each text once
per connection.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import (
    Integer,
    String,
    TypeDecorator,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY

from ki_match.accounts.models import User
from ki_match.helpers.models import (
    Absence,
    AvailabilitySlot,
    HelperLanguage,
    HelperProfile,
    helper_town,
)
from ki_match.helpers.queries import matchable_filter, pool_filter, qualified_condition, sharing_kis
from ki_match.orgs.models import Ki
from ki_match.reference.models import Town
from ki_match.requests.models import Assignment, AssignmentStatus, HelpRequest, Offer, OfferStatus


def _listed(dialect: str, name: str = "known"):
    """``column IN :name`` for a list of ids (by default the candidates'), in a form whose
    statement text is the same whatever the ids: on PostgreSQL one array parameter (``= ANY``),
    so psycopg prepares each statement once per connection and PostgreSQL plans it once;
    elsewhere the ids are written into the statement (a bound parameter per id would make each
    count a new statement to parse)."""
    if dialect == "postgresql":
        array = cast(bindparam(name, type_=_IdArray()), ARRAY(Integer))
        return lambda column: column == any_(array)
    listed = bindparam(name, expanding=True, literal_execute=True)
    return lambda column: column.in_(listed)


class _IdArray(TypeDecorator):
    """A list of ids sent as PostgreSQL's array text (``{1,2,3}``), cast to an array in the
    statement: psycopg would dump the list element by element in Python, several times a ranking."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return "{" + ",".join(map(str, value)) + "}"


def _one_of(column, values):
    """``column IN (values)`` for a few fixed values, as plain equalities: an IN list is an
    expanding parameter, which SQLAlchemy re-renders into the statement on every execution."""
    return or_(*(column == value for value in values))


@cache
def statement(name: str, dialect: str, *variant):
    """The statement ``name`` for ``dialect`` (and ``variant``), built on first use."""
    return _BUILDERS[name](_listed(dialect), dialect, *variant)


def _ki_languages(among, dialect):
    """Every language of the KI's (``:ki_id``) matchable helpers who speak one of the request's
    languages (``:wanted``) at any level: German's level counts too, so all of theirs.

    The speakers as one join (the KI's profiles, their wanted languages, then the account check
    for those alone): nested IN subqueries took three times as long to plan, and checked every
    helper's account."""
    wanted = _listed(dialect, "wanted")
    spoken = HelperLanguage.__table__.alias("spoken")
    speakers = (
        select(HelperProfile.id)
        .join(spoken, spoken.c.helper_id == HelperProfile.id)
        .where(HelperProfile.ki_id == bindparam("ki_id"), wanted(spoken.c.language_id), matchable_filter())
    )
    return select(HelperLanguage.helper_id, HelperLanguage.language_id, HelperLanguage.level).where(
        HelperLanguage.helper_id.in_(speakers)
    )


def _known_languages(among, dialect):
    return select(HelperLanguage.helper_id, HelperLanguage.language_id, HelperLanguage.level).where(
        among(HelperLanguage.helper_id)
    )


_HOME = Town.__table__.alias("home")


def _profiles(among, dialect):
    """Account and profile of each candidate, with their home town."""
    home = _HOME
    return (
        select(
            HelperProfile.id,
            User.display_name,
            User.active,
            # Flags, not the moments and the enum: nothing to convert per row.
            HelperProfile.approved_at.is_not(None),
            HelperProfile.consent_given_at.is_not(None),
            type_coerce(HelperProfile.gender, String),
            qualified_condition(),
            HelperProfile.max_travel_km,
            HelperProfile.remote_ok,
            HelperProfile.monthly_cap,
            home.c.id,
            home.c.name,
            home.c.lat,
            home.c.lon,
            HelperProfile.ki_id,
            Ki.name,
            Ki.shares_pool,
            HelperProfile.pool_remote_ok,
            HelperProfile.pool_in_person_ok,
            HelperProfile.confidentiality_signed_on,
            HelperProfile.qualification_completed_on,
            HelperProfile.police_certificate_seen_on,
            HelperProfile.has_no_car,
        )
        .join(User, User.id == HelperProfile.user_id)
        .join(Ki, Ki.id == HelperProfile.ki_id)
        .outerjoin(home, home.c.id == HelperProfile.home_town_id)
        .where(among(HelperProfile.id))
    )


def _slots_statement(among, dialect):
    return select(
        AvailabilitySlot.helper_id,
        AvailabilitySlot.weekday,
        AvailabilitySlot.starts,
        AvailabilitySlot.ends,
    ).where(among(AvailabilitySlot.helper_id))


def _absences_statement(among, dialect):
    return select(Absence.helper_id, Absence.first_day, Absence.last_day).where(
        among(Absence.helper_id), Absence.last_day >= bindparam("since")
    )


def _served_statement(among, dialect):
    return select(helper_town.c.helper_id, helper_town.c.town_id).where(among(helper_town.c.helper_id))


def _nearby_statement(among, dialect):
    return (
        select(
            Assignment.helper_id,
            Assignment.starts_at,
            Assignment.ends_at,
            Town.id,
            Town.name,
            Town.lat,
            Town.lon,
        )
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .outerjoin(Town, Town.id == HelpRequest.town_id)
        .where(
            among(Assignment.helper_id),
            Assignment.status == AssignmentStatus.CONFIRMED,
            Assignment.starts_at < bindparam("window_end"),
            Assignment.ends_at > bindparam("window_start"),
            HelpRequest.id != bindparam("request_id"),
        )
    )


def _tally(condition):
    return func.sum(case((condition, 1), else_=0))


def _history_statement(among, dialect):
    """What a candidate's assignments alone tell, in whichever KI: this month's and the last 30
    days' (for the cap and fairness) and the no-shows. The index ix_assignment_helper_history
    holds every column read, so this never touches a request, however long the history."""
    holding = _one_of(
        Assignment.status, [AssignmentStatus.CONFIRMED, AssignmentStatus.COMPLETED, AssignmentStatus.NO_SHOW]
    )
    return (
        select(
            Assignment.helper_id,
            _tally(
                and_(
                    holding,
                    Assignment.starts_at >= bindparam("month_start"),
                    Assignment.starts_at < bindparam("month_end"),
                )
            ),
            _tally(
                and_(
                    holding,
                    Assignment.starts_at >= bindparam("recent_start"),
                    Assignment.starts_at <= bindparam("now"),
                )
            ),
            _tally(Assignment.status == AssignmentStatus.NO_SHOW),
        )
        .where(among(Assignment.helper_id))
        .group_by(Assignment.helper_id)
    )


def _experience_statement(among, dialect):
    """Completed assignments on the request's topic (``:topic_id``) and for its client
    (``:client_ref``). Topics and client references belong to one KI, so these are requests of
    the asking KI (``:ki_id``): a few, not the candidates' whole history."""
    same_topic = HelpRequest.topic_id == bindparam("topic_id")
    same_client = HelpRequest.client_ref == bindparam("client_ref")
    return (
        select(Assignment.helper_id, _tally(same_topic), _tally(same_client))
        .join(HelpRequest, HelpRequest.id == Assignment.request_id)
        .where(
            among(Assignment.helper_id),
            Assignment.status == AssignmentStatus.COMPLETED,
            HelpRequest.ki_id == bindparam("ki_id"),
            or_(same_topic, same_client),
        )
        .group_by(Assignment.helper_id)
    )


def _sharing_kis(among, dialect):
    """The KIs other than the asking one (``:ki_id``) that share their pool."""
    return sharing_kis().where(Ki.id != bindparam("ki_id"))


def _pool_speakers(among, dialect, in_person: bool, timing: str):
    """The shared pool's helpers for a request (``matching.queries.pool_helpers``): of the sharing
    KIs (``:sharing``, read first), agreed to be asked for its kind (``in_person`` or not),
    matchable, speaking one of its languages (``:wanted``) at its level (``:min_level``), and free
    as far as their week plan and absences tell (``timing``: ``_free_then``)."""
    # Each id its own parameter (an expanding IN), not one array: PostgreSQL runs this select on
    # its generic plan (``queries._planned_once``), and that plan is good only when it knows how
    # many KIs and languages there are (with an array it read every pool helper first: 6 ms, not 2).
    in_sharing = HelperProfile.ki_id.in_(bindparam("sharing", expanding=True))
    return (
        select(HelperLanguage.helper_id)
        .join(HelperProfile, HelperProfile.id == HelperLanguage.helper_id)
        .where(
            HelperLanguage.language_id.in_(bindparam("wanted", expanding=True)),
            HelperLanguage.level >= bindparam("min_level"),
            pool_filter(bindparam("ki_id"), in_person, in_sharing=in_sharing),
            matchable_filter(),
            *_free_then(HelperLanguage.helper_id, timing),
        )
        .distinct()
    )


def _free_then(helper_id, timing: str) -> tuple:
    """What a helper needs to pass the engine's "absent" and "slot" rules (never more): no absence
    on the request's days (``:first_day`` to ``:last_day``, an appointment's or a translation's due
    day: ``timing`` "appointment" or "due"), and for an appointment on its weekday (``:weekday``)
    a slot that starts by its start (``:begins``) and one that ends by its end (``:ends``): the
    window that holds the request begins with the one and ends with the other."""
    if timing == "any time":
        return ()
    absent = exists().where(
        Absence.helper_id == helper_id,
        Absence.first_day <= bindparam("last_day"),
        Absence.last_day >= bindparam("first_day"),
    )
    if timing == "due":
        return (~absent,)
    on_the_day = (AvailabilitySlot.helper_id == helper_id, AvailabilitySlot.weekday == bindparam("weekday"))
    return (
        ~absent,
        exists().where(*on_the_day, AvailabilitySlot.starts <= bindparam("begins")),
        exists().where(*on_the_day, AvailabilitySlot.ends >= bindparam("ends")),
    )


def _answers_statement(among, dialect):
    """Per candidate: offers answered (or let expire), those accepted, and whether they declined
    this very request (``:request_id``)."""
    declined_here = and_(Offer.status == OfferStatus.DECLINED, Offer.request_id == bindparam("request_id"))
    return (
        select(
            Offer.helper_id,
            func.count(),
            _tally(Offer.status == OfferStatus.ACCEPTED),
            func.max(case((declined_here, 1), else_=0)),
        )
        .where(
            among(Offer.helper_id),
            _one_of(Offer.status, [OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.EXPIRED]),
        )
        .group_by(Offer.helper_id)
    )


_BUILDERS = {
    "ki_languages": _ki_languages,
    "known_languages": _known_languages,
    "profiles": _profiles,
    "slots": _slots_statement,
    "absences": _absences_statement,
    "served": _served_statement,
    "nearby": _nearby_statement,
    "history": _history_statement,
    "experience": _experience_statement,
    "answers": _answers_statement,
    "sharing_kis": _sharing_kis,
    "pool": _pool_speakers,
}
