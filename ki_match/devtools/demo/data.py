"""The demo data set: ``flask --app app demo``.

A year of realistic work in the Kreis Höxter, generated from a fixed seed so
every run gives the same people and the same requests, with dates relative
to today so that "last year" and "the coming weeks" stay true.
"""

from __future__ import annotations

import random
from collections import Counter

import click
from sqlalchemy import func, select

from ki_match.accounts.models import Role, User
from ki_match.accounts.services import hash_password
from ki_match.clock import BERLIN, utcnow
from ki_match.devtools.demo import content
from ki_match.devtools.demo.people import APPROVED, AWAITING, Cast, People
from ki_match.devtools.demo.rows import materialise
from ki_match.devtools.demo.term import TermStory, after_flush, allowance_rates
from ki_match.devtools.demo.training import courses
from ki_match.devtools.demo.workload import Workload
from ki_match.extensions import db
from ki_match.reference.models import Language, Topic, Town
from ki_match.reference.services import ensure_reference_data

SEED = 20_261_122


class DemoDataExists(click.ClickException):
    """Loading twice would duplicate every demo account."""


def load_demo(seed: int = SEED) -> str:
    """Create the demo accounts, helpers and a year of requests; return a one-paragraph summary."""
    ki = ensure_reference_data()
    existing = db.session.scalar(
        select(func.count()).select_from(User).where(User.email.in_(content.DEMO_LOGINS))
    )
    if existing:
        db.session.rollback()
        raise DemoDataExists("Demo data is already loaded (the demo accounts exist); nothing changed.")

    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    today = now.astimezone(BERLIN).date()
    reference = {
        "towns": {t.name: t for t in db.session.scalars(select(Town).where(Town.ki_id == ki.id))},
        "languages": {lang.code: lang for lang in db.session.scalars(select(Language))},
        "topics": {t.code: t for t in db.session.scalars(select(Topic).where(Topic.ki_id == ki.id))},
        # Hashing is slow on purpose; once for all demo accounts keeps loading fast.
        "password_hash": hash_password(content.DEMO_PASSWORD),
    }
    for setting, value in content.KI_CONTACT.items():
        setattr(ki, setting, value)
    people = People(rng, now, today, ki, reference)
    admin, coordinators = people.staff()
    people.operator(content.OPERATOR_EMAIL)
    organisations, members = people.organisations()
    db.session.flush()  # profiles and requests point at these users
    helpers, sprachlotsin = people.helpers(coordinators)
    db.session.flush()
    cast = Cast(
        ki=ki,
        towns=reference["towns"],
        languages=reference["languages"],
        topics=reference["topics"],
        admin=admin,
        coordinators=coordinators,
        organisations=organisations,
        members=members,
        helpers=helpers,
        sprachlotsin=sprachlotsin,
    )
    # The real week (a school's series, a late cancellation, standby), with a generator of its own.
    story = TermStory(random.Random(seed + 1), now, today, cast)
    story.before_the_year()
    plans = Workload(rng, now, today, cast).build()
    term = story.after_the_year()
    db.session.add_all(allowance_rates(ki, today, admin))
    if term.series is not None:
        db.session.add(term.series)
        db.session.flush()
        for plan in term.dates:
            plan.request.series_id = term.series.id
    plans = sorted([*plans, *term.plans], key=lambda plan: plan.request.created_at)
    db.session.add_all(plan.request for plan in plans)
    db.session.flush()  # status changes and assignments need request and offer ids
    changes, assignments = materialise(plans)
    db.session.add_all(changes)
    db.session.add_all(assignments)
    db.session.flush()
    db.session.add_all(after_flush(term, assignments))
    # After the year's work, from the same generator: the year's requests stay as they were.
    training = courses(rng, now, today, cast)
    db.session.add_all(training)
    db.session.flush()
    # Summarised before the commit expires every object and reading them would mean reloading them.
    text = summary(cast, plans, assignments, training)
    db.session.commit()
    return text


def summary(cast: Cast, plans: list, assignments: list, training: list) -> str:
    states = Counter(h.state for h in cast.helpers)
    requests = Counter(plan.request.status.value for plan in plans)
    offers = Counter(offer.status.value for plan in plans for offer in plan.request.offers)
    outcomes = Counter(a.status.value for a in assignments)
    members = sum(len(m) for m in cast.members.values())

    def listing(counter: Counter) -> str:
        return ", ".join(f"{key} {value}" for key, value in sorted(counter.items()))

    return (
        f"Demo data loaded for {cast.ki.name}: "
        f"{len(cast.helpers)} helpers ({states[APPROVED]} approved, {states[AWAITING]} awaiting approval, "
        f"{states['unverified']} unverified, {states['deactivated']} deactivated), "
        f"{len(cast.coordinators)} coordinators, 1 admin, {len(cast.organisations)} organisations "
        f"with {members} members; "
        f"{len(plans)} requests ({listing(requests)}); "
        f"{sum(offers.values())} offers ({listing(offers)}); "
        f"{len(assignments)} assignments ({listing(outcomes)}); "
        f"{len(training)} training courses ({sum(len(course.signups) for course in training)} sign-ups).\n"
        f"Logins (password {content.DEMO_PASSWORD}): "
        + ", ".join(f"{email} ({role})" for email, role in _login_roles())
    )


def _login_roles() -> list[tuple[str, str]]:
    return [
        (content.ADMIN_EMAIL, Role.ADMIN.value),
        (content.COORDINATOR_EMAIL, Role.COORDINATOR.value),
        (content.INITIATIVE_EMAIL, Role.INITIATIVE.value),
        (content.SPRACHLOTSIN_EMAIL, Role.HELPER.value),
        (content.OPERATOR_EMAIL, Role.OPERATOR.value),
    ]
