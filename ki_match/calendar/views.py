"""Calendar files: one assignment or one course's dates as .ics, and the helper's private feed of
all of them."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, make_response, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from ki_match.access import public, roles
from ki_match.accounts.forms import ConfirmForm
from ki_match.accounts.models import Role
from ki_match.assignments.loaders import get_assignment
from ki_match.calendar import courses, ics, queries, services
from ki_match.calendar.series import calendar_of, helper_series_events, series_calendar
from ki_match.clock import BERLIN, utcnow
from ki_match.extensions import db, limiter
from ki_match.helpers.loaders import get_profile
from ki_match.htmx import redirect_to, render
from ki_match.orgs.queries import current_ki
from ki_match.requests import queries as request_queries
from ki_match.requests.loaders import get_series
from ki_match.requests.models import HOLDING_STATES, Assignment, RequestSeries
from ki_match.training import helper_queries as course_queries
from ki_match.training.models import CourseSignup
from ki_match.urls import public_url

bp = Blueprint("calendar", __name__)

# The full feed address is in the session only between the POST that made it and
# the page that shows it once (the session pops it): the database keeps the hash only.
NEW_FEED_URL = "calendar_new_feed_url"
# Calendar apps poll every few minutes to hours, and Google or Apple fetch for
# many users from few addresses: generous, yet it stops a flood.
DEFAULT_FEED_LIMIT = "60 per minute"


def _feed_limit() -> str:
    return current_app.config.get("CALENDAR_FEED_LIMIT_PER_ADDRESS", DEFAULT_FEED_LIMIT)


# --- loading and authorising ----------------------------------------------------------------


def get_downloadable_assignment(assignment_id: int) -> Assignment:
    """The helper's own assignment if it is (or was) confirmed: only those have a calendar entry;
    any other is 404, so an id does not tell whether it exists."""
    assignment = get_assignment(assignment_id)
    if assignment.status.value not in HOLDING_STATES:
        abort(404)
    return assignment


# --- building the files ---------------------------------------------------------------------


def _host() -> str:
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "ki-match"


def assignment_link(assignment: Assignment) -> str:
    return public_url("assignments.show", assignment_id=assignment.id)


def course_link(signup: CourseSignup) -> str:
    return public_url("training.index", _anchor=course_queries.card_id(signup.course_id))


def _course_events(signups: list[CourseSignup]) -> list:
    host = _host()
    return [
        event
        for signup in signups
        for event in courses.date_events(signup, host=host, link=course_link(signup))
    ]


def _helper_series(profile, series_id: int, hers: list[Assignment]) -> list:
    """Her own recurring event of a series (download and feed carry the same UID)."""
    found = db.session.get(RequestSeries, series_id)
    return helper_series_events(
        found,
        request_queries.series_requests(series_id),
        hers,
        helper_id=profile.id,
        host=_host(),
        link=public_url("assignments.index"),
    )


def _feed_events(profile, assignments: list[Assignment]) -> tuple[list[Assignment], list]:
    """The feed's single assignments, and one recurring event per series she has dates of in it
    (instead of one event per date, so that the feed and her download of the series do not show
    them twice)."""
    singles = [a for a in assignments if a.request.series_id is None]
    series_ids = sorted({a.request.series_id for a in assignments if a.request.series_id is not None})
    events = [
        event
        for series_id in series_ids
        for event in _helper_series(
            profile, series_id, queries.series_assignments(profile.ki, profile, series_id)
        )
    ]
    return singles, events


def _ics_response(body: bytes, filename: str, *, attachment: bool) -> Response:
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers.set("Content-Disposition", "attachment" if attachment else "inline", filename=filename)
    return response


def feed_url(raw: str) -> str:
    return public_url("calendar.feed", token=raw)


def webcal_url(url: str) -> str:
    """The same address with the scheme phones open in their calendar app to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


# --- routes ---------------------------------------------------------------------------------


@bp.route("/assignments/<int:assignment_id>.ics")
@roles(Role.HELPER)
def assignment_ics(assignment_id: int):
    assignment = get_downloadable_assignment(assignment_id)
    body = ics.build_calendar([assignment], host=_host(), link_for=assignment_link)
    day = ics.event_day(assignment) or utcnow().astimezone(BERLIN).date()
    return _ics_response(body, f"ki-match-einsatz-{day.isoformat()}.ics", attachment=True)


@bp.route("/series/<int:series_id>.ics")
@roles(Role.COORDINATOR, Role.ADMIN)
def series_ics(series_id: int):
    """A series of appointments as one recurring event, for the coordinators' calendars."""
    found = get_series(series_id)
    body = series_calendar(
        found,
        request_queries.series_requests(found.id),
        host=_host(),
        link=public_url("series.show", series_id=found.id),
    )
    return _ics_response(body, f"serie-{found.id}.ics", attachment=True)


@bp.route("/series/<int:series_id>/mine.ics")
@roles(Role.HELPER)
def my_series_ics(series_id: int):
    """The dates of a series the helper holds, as one recurring event; 404 unless she holds one."""
    profile = get_profile()
    hers = queries.series_assignments(current_ki(), profile, series_id)
    if not any(a.status.value in HOLDING_STATES for a in hers):
        abort(404)
    body = calendar_of(_helper_series(profile, series_id, hers))
    return _ics_response(body, f"ki-match-serie-{series_id}.ics", attachment=True)


@bp.route("/training/<int:course_id>.ics")
@roles(Role.HELPER)
def course_ics(course_id: int):
    """The dates of a course the helper holds a seat in (a called-off course's say so); else 404."""
    signup = course_queries.registered_signup(course_id, get_profile())
    if signup is None or not signup.course.dates:
        abort(404)
    body = ics.build_calendar([], host=_host(), link_for=assignment_link, extra=_course_events([signup]))
    day = signup.course.dates[0].starts_at.astimezone(BERLIN).date()
    return _ics_response(body, f"ki-match-kurs-{day.isoformat()}.ics", attachment=True)


@bp.route("/calendar/feed/<token>.ics")
@public
@limiter.limit(_feed_limit)
def feed(token: str):
    """The subscribed calendar. No login (calendar apps have none): the secret is the key."""
    profile = queries.profile_for_feed_token(token)
    if profile is None or not profile.user.may_use_app:
        abort(404)
    assignments = queries.feed_assignments(profile)
    with force_locale(profile.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        singles, series_events = _feed_events(profile, assignments)
        body = ics.build_calendar(
            singles,
            host=_host(),
            link_for=assignment_link,
            name=_("KI-Match: meine Einsätze"),
            extra=[
                *series_events,
                *_course_events(course_queries.feed_signups(profile, utcnow() - queries.FEED_PAST)),
            ],
        )
    services.feed_fetched(profile, len(assignments))
    return _ics_response(body, "ki-match.ics", attachment=False)


@bp.route("/calendar")
@roles(Role.HELPER)
def index():
    profile = get_profile()
    new_url = session.pop(NEW_FEED_URL, None)
    return render(
        "calendar/index.html",
        profile=profile,
        new_url=new_url,
        new_webcal_url=webcal_url(new_url) if new_url else None,
        upcoming=queries.upcoming_confirmed(current_ki(), profile),
        event_day=ics.event_day,
        form=ConfirmForm(),
    )


@bp.route("/calendar/feed", methods=["POST"])
@roles(Role.HELPER)
def reset_feed():
    """Make the feed address, or a new one (the old one stops working)."""
    profile = get_profile()
    form = ConfirmForm()
    if form.validate_on_submit():
        had_one = profile.calendar_token_hash is not None
        raw = services.new_feed_token(profile, current_user._get_current_object())
        session[NEW_FEED_URL] = feed_url(raw)
        if had_one:
            flash(_("Neuer Kalender-Link erzeugt. Der alte Link funktioniert nicht mehr."), "success")
        else:
            flash(_("Ihr Kalender-Link ist erstellt."), "success")
    return redirect_to(url_for("calendar.index"))


@bp.route("/calendar/feed/delete", methods=["POST"])
@roles(Role.HELPER)
def delete_feed():
    profile = get_profile()
    form = ConfirmForm()
    if form.validate_on_submit() and services.delete_feed_token(profile, current_user._get_current_object()):
        session.pop(NEW_FEED_URL, None)
        flash(_("Der Kalender-Link ist gelöscht. Ihr Kalender bekommt keine neuen Einsätze mehr."), "success")
    return redirect_to(url_for("calendar.index"))
