"""No German on a helper's pages and in a helper's mails, in every language the app offers.

A helper with a full life in the app (offers open and answered, assignments to come and past with
hours reported, standby, a training course, a series, consent, a yearly statement) opens every
page she may open, and every public page; then every mail a helper can get is written to her. Each
translation looked up under her language is recorded (tests/translation_recorder.py): a msgid the
language's catalogue does not translate fails the test, listed with the page or mail.

German written into a template without gettext is never looked up; for the languages not written
in Latin letters a second check reads the text: once the test data's names and places and the
German words the glossary keeps are taken out, no German function word may remain.

With ``KI_MATCH_RECORD_HELPER_MSGIDS`` set, every msgid the helper side looked up (all languages)
is written to /tmp/checks/helper_msgids.json.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from flask import Flask, template_rendered
from flask_babel import force_locale, get_domain
from sqlalchemy import delete, select
from werkzeug.routing.converters import AnyConverter

from ki_match.access import Role as AccessRole
from ki_match.accounts import services as accounts
from ki_match.accounts.models import Role, User
from ki_match.clock import utcnow
from ki_match.core.errors import render_error
from ki_match.extensions import db
from ki_match.helpers.activation import approve_helper
from ki_match.helpers.models import HelperProfile
from ki_match.notifications import certificates, course_mails, day_before, recipients, reminders
from ki_match.orgs.models import Ki, Organisation
from ki_match.outbox.models import OutboxMessage
from ki_match.reference.models import Town
from ki_match.reference.services import ensure_reference_data
from ki_match.requests import events
from ki_match.requests.models import Assignment, HelpRequest, Offer, OfferStatus
from ki_match.training.events import CourseCancelled, MovedUp
from ki_match.training.models import Course, CourseModule, CourseSignup
from tests.catalogues import read_catalogue
from tests.databases import rows_kept
from tests.factories import (
    PASSWORD,
    make_helper,
    make_request,
    make_series,
    make_user,
    next_tuesday,
    offer_to,
    reported,
    series_dates,
)
from tests.routes import World, all_routes, build_url, log_in, make_world
from tests.support import htmx_headers
from tests.translation_recorder import Recorder, recording

LANGUAGES = ("en", "ar", "fa", "uk", "ru", "tr")
NOT_LATIN = {"ar", "fa", "uk", "ru"}
MSGIDS_FILE = Path("/tmp/checks/helper_msgids.json")  # noqa: S108 (where the lead reads it)

# German words every catalogue keeps (ki_match/translations/GLOSSARY.md, "Kept in German").
KEPT_GERMAN = (
    "Ausländerbehörde",
    "Übungsleiterpauschale",
    "Ehrenamtspauschale",
    "Führungszeugnis",
    "Jobcenter",
    "KI-Match",
    "KI",
    # Offices a text sends the helper to, named as they are called (GLOSSARY.md: names).
    "Bundesamt für Justiz",
)
FUNCTION_WORDS = ("und", "der", "die", "das", "Sie", "Ihre", "nicht", "für", "mit", "bitte", "oder", "ist")
GERMAN_WORD = re.compile(
    r"(?<!\w)("
    + "|".join(sorted({w for word in FUNCTION_WORDS for w in (word, word.capitalize())}))
    + r")(?!\w)"
)

# Mails to coordinators and organisations, never to a helper.
NOT_FOR_HELPERS = {
    "absence_reported",
    "assignment_withdrawn",
    "checks_digest",
    "initiative_to_ki",
    "initiative_update",
    "offer_answered",
    "offers_unanswered",
    "request_unfilled",
    "series_accepted",
}


# --- the helper's world, built once -----------------------------------------------------------


@dataclass
class HelperSide:
    app: Flask
    world: World
    helper_id: int
    anonymous: object
    helper: object
    user_data: list[str]
    recorder: Recorder
    read: dict[str, dict[str, str]] = field(default_factory=dict)
    mail_templates: dict[str, set[str]] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def _rich_life(ki: Ki, world: World) -> HelperProfile:
    """Beyond the route walk's world: more offers (open, answered), a past assignment with hours
    reported, a series asked of her, a course on its waiting list."""
    helper = db.session.scalar(
        select(HelperProfile)
        .join(User, User.id == HelperProfile.user_id)
        .where(User.email == world.email(Role.HELPER))
    )
    coordinator = db.session.scalar(select(User).where(User.email == world.email(Role.COORDINATOR)))
    offer_to(make_request(ki=ki, created_by=coordinator, client_ref="F-002"), helper)
    offer_to(
        make_request(ki=ki, created_by=coordinator, client_ref="F-003"),
        helper,
        OfferStatus.DECLINED,
        answered_at=utcnow(),
    )
    reported(helper, coordinator, utcnow() - timedelta(days=3), minutes=90, km=12)
    reported(helper, coordinator, utcnow() - timedelta(days=2), minutes=60, approved=False)
    for day in series_dates(make_series(first=next_tuesday(), count=3, ki=ki, created_by=coordinator)):
        offer_to(day, helper)
    return helper


def _user_data() -> list[str]:
    """Every name, address, place and text the test data typed in, longest first."""
    columns = (
        User.display_name,
        User.email,
        Town.name,
        Organisation.name,
        Ki.name,
        Ki.postal_address,
        Ki.office_hours,
        Ki.privacy_notice,
        Ki.contact_email,
        Course.title,
        Course.description,
        Course.place,
        CourseModule.name,
        HelpRequest.place,
        HelpRequest.notes,
        HelpRequest.client_ref,
    )
    found = {value for column in columns for value in db.session.scalars(select(column)) if value}
    return sorted(found, key=len, reverse=True)


@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory) -> Path:
    """Every catalogue as its .po is now, compiled apart from any messages.mo in the tree."""
    directory = tmp_path_factory.mktemp("translations")
    for language in LANGUAGES:
        target = directory / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with (target / "messages.mo").open("wb") as mo:
            write_mo(mo, read_catalogue(language))
    return directory


@pytest.fixture(scope="module")
def side(shared_app, migrated, compiled_translations) -> Iterator[HelperSide]:
    from tests.support import build_app

    app = build_app(migrated, BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations))
    with app.app_context():
        get_domain().cache.clear()
        ki = ensure_reference_data()
        world = make_world(ki)
        helper = _rich_life(ki, world)
        helper_id = helper.id
        user_data = _user_data()
        db.session.commit()
    recorder = Recorder(translated={})
    with rows_kept(shared_app), app.app_context():
        helper_client = log_in(app, world.email(Role.HELPER), PASSWORD)
        yield HelperSide(app, world, helper_id, app.test_client(), helper_client, user_data, recorder)
        get_domain().cache.clear()
        db.session.remove()
        db.engine.dispose()
    if os.environ.get("KI_MATCH_RECORD_HELPER_MSGIDS"):
        MSGIDS_FILE.parent.mkdir(parents=True, exist_ok=True)
        MSGIDS_FILE.write_text(json.dumps(sorted(recorder.looked_up), ensure_ascii=False, indent=1))


# --- reading what a page or mail says --------------------------------------------------------


class _Text(HTMLParser):
    """The words a person reads or hears: text outside scripts and styles, and the attributes
    that are read out or shown (aria-label, title, placeholder, alt)."""

    SPOKEN = {"aria-label", "title", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        self.parts.extend(value for name, value in attrs if name in self.SPOKEN and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def readable(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def german_words(text: str, user_data: list[str]) -> list[str]:
    for value in (*user_data, *KEPT_GERMAN):
        text = text.replace(value, " ")
    return sorted(set(GERMAN_WORD.findall(text)))


# --- the pages and the mails -----------------------------------------------------------------


def _visits(side: HelperSide) -> list[tuple[str, object, str]]:
    """(label, client, url) for every page a helper or a visitor may open: each GET route, a
    route about an assignment or an offer once for each of hers, and the error pages."""
    app = side.app
    helper = db.session.get(HelperProfile, side.helper_id)
    her_ids = {
        "assignment_id": db.session.scalars(select(Assignment.id).where(Assignment.helper_id == helper.id)),
        "offer_id": db.session.scalars(select(Offer.id).where(Offer.helper_id == helper.id)),
    }
    her_ids = {name: list(ids) for name, ids in her_ids.items()}
    urls = app.url_map.bind("localhost")
    visits = []
    for route in all_routes(app, methods={"GET"}):
        policy = route.policy(app)
        if route.endpoint == "static" or policy is None:
            continue
        url = build_url(route, side.world)
        if policy.public or policy.anonymous_only:
            visits.append((f"visitor GET {route.rule.rule}", side.anonymous, url))
        if not (policy.public or AccessRole.HELPER in policy.roles):
            continue
        visits.append((f"helper GET {route.rule.rule}", side.helper, url))
        _endpoint, values = urls.match(url, method="GET")
        others = [
            (name, row_id) for name in route.rule.arguments & her_ids.keys() for row_id in her_ids[name]
        ]
        others += [
            (name, option)
            for name, converter in route.rule._converters.items()
            if isinstance(converter, AnyConverter)
            for option in sorted(converter.items)
        ]
        for name, value in others:
            if value != values[name]:
                other = urls.build(route.endpoint, {**values, name: value})
                visits.append((f"helper GET {route.rule.rule} ({name}={value})", side.helper, other))
    visits.append(("visitor GET (404)", side.anonymous, "/no-such-page"))
    visits.append(("helper GET (404)", side.helper, "/no-such-page"))
    visits.append(("helper GET (403)", side.helper, urls.build("requests.index")))
    return visits


EXPECTED_STATUS = {"visitor GET (404)": 404, "helper GET (404)": 404, "helper GET (403)": 403}


class _Partials(HTMLParser):
    """The regions a page reloads with htmx by GET: (url, target id)."""

    def __init__(self):
        super().__init__()
        self.found: set[tuple[str, str]] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url, target = attrs.get("hx-get"), attrs.get("hx-target")
        if url and url.startswith("/"):
            if target in (None, "this"):
                target = attrs.get("id")
            if target:
                self.found.add((url, target.removeprefix("#")))


def _speak(side: HelperSide, language: str) -> None:
    """The helper's account and the visitor's session choose ``language``."""
    user = db.session.get(HelperProfile, side.helper_id).user
    user.locale = language
    db.session.commit()
    response = side.anonymous.post("/locale", data={"locale": language, "next": "/"})
    assert response.status_code == 303


def _read_pages(side: HelperSide, language: str) -> dict[str, str]:
    """Every page in ``language``, and each region of a helper's page that htmx reloads by GET;
    the text of the HTML answers by label."""
    texts = {}
    partials = _Partials()
    for label, client, url in _visits(side):
        side.recorder.where = label
        response = client.get(url)
        assert response.status_code < 500, f"{label}: {response.status_code}"
        if label in EXPECTED_STATUS:
            assert response.status_code == EXPECTED_STATUS[label], label
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            html = response.get_data(as_text=True)
            texts[label] = readable(html)
            if client is side.helper:
                partials.feed(html)
    for url, target in sorted(partials.found):
        label = side.recorder.where = f"helper GET {url} (htmx, #{target})"
        response = side.helper.get(url, headers=htmx_headers(target))
        assert response.status_code < 500, f"{label}: {response.status_code}"
        texts[label] = readable(response.get_data(as_text=True))
    side.recorder.where = "the 500 page"
    with side.app.test_request_context("/"), force_locale(language):
        texts["the 500 page"] = readable(render_error(500).get_data(as_text=True))
    return texts


def _queue_every_helper_mail(side: HelperSide) -> set[str]:
    """Each mail a helper can get, queued to her through the function that queues it in the app;
    the addresses of the helpers written to."""
    helper = db.session.get(HelperProfile, side.helper_id)
    user = helper.user
    coordinator = db.session.scalar(select(User).where(User.email == side.world.email(Role.COORDINATOR)))
    ki = db.session.get(Ki, helper.ki_id)
    offers = list(db.session.scalars(select(Offer).where(Offer.helper_id == helper.id).order_by(Offer.id)))
    assignments = list(
        db.session.scalars(
            select(Assignment).where(Assignment.helper_id == helper.id).order_by(Assignment.id)
        )
    )
    offer, assignment = offers[0], assignments[0]
    request = offer.request
    series_offers = [o for o in offers if o.request.series_id is not None]
    old = events.Schedule(request.starts_at - timedelta(days=1), request.duration_minutes, None)
    now = utcnow()

    def happened(event_type, **fields):
        return event_type(request=fields.pop("request", request), actor=coordinator, **fields)

    side.recorder.where = "mail from recipients.offers_sent"
    recipients.offers_sent(happened(events.OffersSent, offers=[offer]))
    side.recorder.where = "mail from recipients.series_offered"
    recipients.series_offered(
        happened(events.SeriesOffered, request=series_offers[0].request, offers=series_offers, open_dates=3)
    )
    side.recorder.where = "mail from recipients.offer_withdrawn"
    recipients.offer_withdrawn(happened(events.OfferWithdrawn, offer=offer))
    side.recorder.where = "mail from recipients.assignment_confirmed"
    recipients.assignment_confirmed(
        happened(events.AssignmentConfirmed, assignment=assignment, filled=True, withdrawn=[offers[1]])
    )
    side.recorder.where = "mail from recipients.series_confirmed"
    recipients.series_confirmed(happened(events.SeriesConfirmed, assignments=assignments))
    side.recorder.where = "mail from recipients.helper_released"
    recipients.helper_released(happened(events.HelperReleased, assignments=assignments[:2]))
    side.recorder.where = "mail from recipients.hours_approved"
    recipients.hours_approved(happened(events.HoursApproved, assignment=assignments[1]))
    side.recorder.where = "mail from recipients.no_show"
    recipients.no_show(happened(events.NoShow, assignment=assignment))
    side.recorder.where = "mail from recipients.rescheduled"
    recipients.rescheduled(
        happened(
            events.Rescheduled,
            old=old,
            offers=[offer],
            asked_again=frozenset({offer.id}),
            assignments=[assignment],
            at=now,
        )
    )
    side.recorder.where = "mail from recipients.cancelled"
    recipients.cancelled(
        happened(events.Cancelled, reason="Termin entfällt", offers=[offer], assignments=[assignment])
    )
    side.recorder.where = "mail from recipients.completed"
    recipients.completed(happened(events.Completed, assignments=[assignment]))
    side.recorder.where = "mail from day_before.ask"
    day_before.ask(assignments[1], ki.id)  # the first is asked already (the route walk's world)
    side.recorder.where = "mail from reminders.remind_assignment"
    reminders.remind_assignment(assignment)
    side.recorder.where = "mail from certificates.remind_certificate"
    certificates.remind_certificate(
        certificates.CertificateReminder(helper, now.date() + timedelta(weeks=2), 2)
    )
    course = db.session.scalar(select(Course).where(Course.ki_id == ki.id))
    signups = list(db.session.scalars(select(CourseSignup).where(CourseSignup.helper_id == helper.id)))
    side.recorder.where = "mail from course_mails.moved_up"
    course_mails.moved_up(MovedUp(course=course, signups=signups))
    side.recorder.where = "mail from course_mails.course_cancelled"
    course_mails.course_cancelled(CourseCancelled(course=course, actor=coordinator, signups=signups))
    newcomer = make_helper(ki=ki, approved=False, display_name="Nadia Neu", locale=user.locale)
    side.recorder.where = "mail from approve_helper"
    approve_helper(newcomer, coordinator)
    side.recorder.where = "mail from accounts.send_verification"
    accounts.send_verification(user)
    side.recorder.where = "mail from accounts.request_password_reset"
    accounts.request_password_reset(user.email)
    side.recorder.where = "mail from accounts.send_invitation"
    accounts.send_invitation(user, coordinator)
    side.recorder.where = "mail from accounts.register_helper"
    accounts.register_helper(ki, email=user.email, display_name="Noch einmal", password=PASSWORD)
    other = db.session.get(Ki, side.world.other_ki_id)
    side.recorder.where = "mail from accounts.register_helper"
    accounts.register_helper(other, email=user.email, display_name="Anderswo", password=PASSWORD)
    side.recorder.where = "mail from accounts.invite_user"
    accounts.invite_user(
        other,
        email=user.email,
        display_name="Anderswo",
        role=Role.HELPER,
        organisation=None,
        invited_by=make_user(Role.ADMIN, ki=other),
    )
    return {user.email, newcomer.user.email}


def _read_mails(side: HelperSide, language: str) -> tuple[dict[str, str], set[str]]:
    """Every helper mail in ``language`` by label, and the names of their templates; the mails
    are queued, read, and taken out of the database again."""
    db.session.get(HelperProfile, side.helper_id).user.locale = language
    db.session.commit()
    first = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1)) or 0
    templates = set()

    def rendered(sender, template, context, **extra):
        templates.add(Path(template.name).stem)

    # The mails' functions end their transaction as the app does; here it must stay open, so
    # that what they wrote can go again.
    with pytest.MonkeyPatch.context() as patch, template_rendered.connected_to(rendered, side.app):
        patch.setattr(db.session, "commit", db.session.flush)
        helpers = _queue_every_helper_mail(side)
    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id > first, OutboxMessage.to_address.in_(helpers))
    )
    texts = {
        f"mail {mail.kind} #{mail.id} ({mail.locale})": (
            f"{mail.subject}\n{mail.body_text}\n{readable(mail.body_html or '')}"
        )
        for mail in mails
    }
    db.session.rollback()
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > first))
    db.session.commit()
    return texts, templates


# --- the tests -------------------------------------------------------------------------------


def read_in(side: HelperSide, language: str) -> dict[str, str]:
    """The pages and mails in one language by label (read once per module), and what they looked
    up in ``side.missing[language]``."""
    if language not in side.read:
        side.recorder.missing.clear()
        with recording(side.recorder):
            _speak(side, language)
            texts = _read_pages(side, language)
            mails, side.mail_templates[language] = _read_mails(side, language)
        side.read[language] = texts | mails
        side.missing[language] = side.recorder.missing_report()
    return side.read[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_walk_reaches_every_page_and_mail_a_helper_sees(side, language):
    texts = read_in(side, language)
    for label in (
        "helper GET /inbox",
        "helper GET /assignments/<int:assignment_id>",
        "helper GET /profile/when",
        "helper GET /training",
        "helper GET /statements/<int:year>",
        "helper GET /standby",
        "visitor GET /k/<slug>/",
        "visitor GET /login",
        "the 500 page",
        "helper GET (403)",
        "visitor GET (404)",
        "helper GET /check-mail/<any(register, reset):reason> (reason=reset)",
    ):
        assert label in texts, f"{label} not read in {language}"
    emails = Path(side.app.root_path).parent / "templates" / "emails"
    for_helpers = {path.stem for path in emails.glob("[!_]*.txt")} - NOT_FOR_HELPERS
    missing = for_helpers - side.mail_templates[language]
    assert not missing, f"mails a helper can get, not written in {language}: {sorted(missing)}"
    mails = [label for label in texts if label.startswith("mail ")]
    assert len(mails) >= len(for_helpers)
    assert all(label.endswith(f"({language})") for label in mails), mails


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_a_helper_reads_is_translated(side, language):
    read_in(side, language)
    assert not side.missing[language], (
        f"German shown to a helper in {language}: no translation in {language}/messages.po for\n"
        + side.missing[language]
    )


@pytest.mark.parametrize("language", sorted(NOT_LATIN))
def test_no_german_words_written_into_templates(side, language):
    texts = read_in(side, language)
    found = {label: words for label, text in texts.items() if (words := german_words(text, side.user_data))}
    assert not found, f"German words in the {language} pages and mails:\n" + "\n".join(
        f"{label}: {', '.join(words)}" for label, words in sorted(found.items())
    )


def test_the_word_check_sees_german_and_spares_names():
    text = "Ihre Anfrage für Amira Haddad aus Bad Driburg · Jobcenter · die"
    assert german_words(text, ["Amira Haddad", "Bad Driburg"]) == ["Ihre", "die", "für"]
    assert german_words("Запит для Amira Haddad · Jobcenter", ["Amira Haddad"]) == []
