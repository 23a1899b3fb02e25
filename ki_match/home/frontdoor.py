"""Each KI's front door for the public, and the chooser when no KI is given.

URL map:
  /k/                        frontdoor.choose     which KI? by its name, a town it serves or a postcode
  /k/<slug>/                 frontdoor.show       the KI's start page: what it does, contact, privacy
  /k/<slug>/register  POST   frontdoor.register   registration as a helper of that KI
  /k/<slug>/privacy          frontdoor.privacy    the privacy page with the KI's name, contact, notice

An unknown or deactivated slug answers 404. Under /k/<slug>/ a visitor's pages belong to that KI
(``g.ki``, which ``orgs.queries.current_ki`` answers); a logged-in user keeps her own KI and only
reads the front door (``g.front_door``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, url_for
from flask_login import current_user

from ki_match.access import anonymous_only, public
from ki_match.accounts import services as account_services
from ki_match.accounts.forms import RegisterForm
from ki_match.core.args import text_arg
from ki_match.extensions import limiter
from ki_match.htmx import redirect_to, render, wants_block
from ki_match.orgs.queries import front_door_ki, sole_active_ki
from ki_match.orgs.settings import settings_for
from ki_match.reference.places import PlaceKind, find_kis, place_kind

bp = Blueprint("frontdoor", __name__, url_prefix="/k")


@bp.url_value_preprocessor
def enter(endpoint, values) -> None:
    slug = (values or {}).pop("slug", None)
    if slug is None:
        return
    ki = front_door_ki(slug)
    if ki is None:
        abort(404)
    g.front_door = ki
    if not current_user.is_authenticated:
        g.ki = ki


@bp.url_defaults
def stay_at_this_door(endpoint, values) -> None:
    if "front_door" in g and "slug" not in values and endpoint != "frontdoor.choose":
        values["slug"] = g.front_door.slug


def where_visitors_start() -> str:
    """A visitor with no KI given: its front door on an installation of one KI, else the chooser."""
    ki = sole_active_ki()
    return url_for("frontdoor.show", slug=ki.slug) if ki else url_for("frontdoor.choose")


def _door(template: str, block: str | None = None, status: int = 200, **context):
    """A page of the front door, with the KI and its settings."""
    ki = g.front_door
    return render(template, block, status=status, ki=ki, ki_settings=settings_for(ki), **context)


@bp.route("/")
@public
def choose():
    text = text_arg("q")
    return render(
        "home/choose_ki.html",
        "ki_results",
        found=find_kis(text),
        q=text or "",
        kind=place_kind(text or ""),
        kinds=PlaceKind,
        partial=wants_block("ki_results"),
    )


@bp.route("/<slug>/")
@public
def show():
    return _door("home/front_door.html")


@bp.route("/<slug>/register", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(lambda: current_app.config["ACCOUNT_LIMIT_PER_ADDRESS"], methods=["POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        account_services.register_helper(
            g.front_door,
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
        )
        return redirect_to(url_for("accounts.check_mail", reason="register"))
    return _door("accounts/register.html", "register_form", status=422 if form.errors else 200, form=form)


@bp.route("/<slug>/privacy")
@public
def privacy():
    return _door("core/privacy.html")
