"""Login, logout, registration, e-mail verification, password reset, invitations."""

from __future__ import annotations

import ipaddress

from flask import Blueprint, current_app, flash, g, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from ki_match.access import anonymous_only, logged_in, public
from ki_match.accounts import services, sessions
from ki_match.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from ki_match.accounts.models import TokenPurpose
from ki_match.core.errors import render_error
from ki_match.extensions import db, limiter, login_manager
from ki_match.htmx import redirect_to, render, render_form
from ki_match.orgs.queries import sole_active_ki
from ki_match.security import safe_local_path

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    raw = session.get("sid")
    if not raw:
        return None
    user = sessions.user_for_session(raw)
    if user is None or str(user.id) != user_id:
        return None
    return user


def _account_key() -> str:
    """Wrong passwords count per account *and* client address, so they slow the guesser only.

    Counted per account alone, five wrong passwords from anyone would lock the owner out too: a
    way to keep a coordinator out of the app before a busy morning. Keyed on both, the address
    that guessed is held back while the owner logs in from their own. Spreading guesses over
    many addresses buys each of them only a few tries, all of them capped by the per-address
    limit, against Argon2 hashes of passwords of at least twelve characters (README, Security).
    """
    email = services.normalise_email(request.form.get("email", ""))
    return f"login-account:{email}:{_client_network()}"


def _client_network() -> str:
    """The client's address; for IPv6 its /64, which one line can fill with addresses at will."""
    address = get_remote_address()
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _is_post() -> bool:
    return request.method == "POST"


def _failed_login(response) -> bool:
    """Only a wrong password counts against the account, not a success (303, or 204 for
    htmx), a half-filled form or a logged-in user being sent home."""
    return g.get("login_failed", False)


@bp.errorhandler(429)
def too_many_logins(error):
    """On the login, the way past a lock is the mailed reset link (``_new_password_by_link``)."""
    if request.endpoint != "accounts.login":
        return render_error(429)
    return render_error(
        429,
        _(
            "Zu viele falsche Passwörter von dieser Verbindung. Wenn es Ihr Konto ist: Über "
            "„Passwort vergessen“ bekommen Sie einen Link per E-Mail, mit dem Sie ein neues Passwort "
            "wählen und sofort angemeldet sind."
        ),
        way_out=(_("Passwort vergessen"), url_for("accounts.forgot_password")),
    )


def _start(user) -> None:
    """Log ``user`` in with a new session: nothing from before survives (session fixation)."""
    raw = sessions.start_session(user, request.remote_addr, request.user_agent.string)
    db.session.commit()
    session.clear()
    login_user(user)
    session["sid"] = raw


@bp.route("/login", methods=["GET", "POST"])
@anonymous_only
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data)
        if result.user is not None:
            _start(result.user)
            return redirect_to(safe_local_path(request.args.get("next")) or url_for("home.index"))
        if result.ki_closed:
            form.email.errors.append(str(services.KI_CLOSED))
            return render("accounts/login.html", "login_form", status=422, form=form)
        g.login_failed = True
        if result.needs_verification:
            form.email.errors.append(
                _(
                    "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse. Wir haben Ihnen den Link noch einmal geschickt."
                )
            )
        else:
            form.password.errors.append(_("E-Mail-Adresse oder Passwort ist falsch."))
        return render("accounts/login.html", "login_form", status=422, form=form)
    return render_form("accounts/login.html", "login_form", form=form)


@bp.route("/logout", methods=["POST"])
@logged_in
def logout():
    sessions.end_session(session.get("sid"), current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("Sie sind abgemeldet."), "success")
    return redirect_to(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
@anonymous_only
def register():
    """Registration belongs to a KI (/k/<slug>/register): the only one's, or the chooser first."""
    ki = sole_active_ki()
    return redirect_to(url_for("frontdoor.register", slug=ki.slug) if ki else url_for("frontdoor.choose"))


@bp.route("/check-mail/<any(register, reset):reason>")
@public
def check_mail(reason: str):
    """The same answer whether or not the address is known: no account enumeration."""
    return render("accounts/check_mail.html", reason=reason)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify(token: str):
    form = ConfirmForm()
    found = services.valid_token(token, TokenPurpose.VERIFY_EMAIL)
    if found is None:
        return render("accounts/token_invalid.html", status=404)
    if _ki_closed(found.user):
        return _ki_closed_page()
    if form.validate_on_submit():
        if services.verify_email(token) is None:
            return render("accounts/token_invalid.html", status=404)
        flash(_("Danke! Ihre E-Mail-Adresse ist bestätigt. Sie können sich jetzt anmelden."), "success")
        return redirect_to(
            url_for("home.index") if current_user.is_authenticated else url_for("accounts.login")
        )
    return render("accounts/verify.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["ACCOUNT_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return redirect_to(url_for("accounts.check_mail", reason="reset"))
    return render_form("accounts/forgot_password.html", "forgot_form", form=form)


def _ki_closed(user) -> bool:
    """The account itself is fine, only its KI is deactivated: the link's holder is told so."""
    return user.active and user.deleted_at is None and not user.may_use_app


def _ki_closed_page():
    return render("accounts/ki_closed.html", status=403, message=services.KI_CLOSED)


def _new_password_by_link(token: str, purpose: TokenPurpose, spend, done: str, template: str, block: str):
    """A password set through a mailed link (reset or invitation), once; the person is then logged in.

    The link proves the mailbox and the password was just chosen, so this is also how the owner
    gets past a login lock that someone guessing from the same address caused (README, Security).
    """
    found = services.valid_token(token, purpose)
    if found is None:
        return render("accounts/token_invalid.html", status=404)
    if _ki_closed(found.user):
        return _ki_closed_page()
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = spend(token, form.password.data)
        if user is None:
            return render("accounts/token_invalid.html", status=404)
        if current_user.is_authenticated:
            logout_user()
        _start(user)
        flash(done, "success")
        return redirect_to(url_for("home.index"))
    return render_form(template, block, invitee=found.user, form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _new_password_by_link(
        token,
        TokenPurpose.RESET_PASSWORD,
        services.reset_password,
        _("Ihr Passwort ist geändert. Sie sind angemeldet."),
        "accounts/reset_password.html",
        "reset_form",
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _new_password_by_link(
        token,
        TokenPurpose.INVITATION,
        services.accept_invitation,
        _("Willkommen! Ihr Konto ist eingerichtet, Sie sind angemeldet."),
        "accounts/invitation.html",
        "invitation_form",
    )


@bp.route("/account", methods=["GET"])
@logged_in
def account():
    return render("accounts/account.html", form=ChangePasswordForm())


@bp.route("/account/password", methods=["POST"])
@logged_in
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if services.change_password(user, form.current_password.data, form.password.data):
            _start(user)  # the change ended every session; a new one for this browser
            flash(_("Ihr Passwort ist geändert. Andere Geräte wurden abgemeldet."), "success")
            return redirect_to(url_for("accounts.account"))
        form.current_password.errors.append(_("Das aktuelle Passwort stimmt nicht."))
    return render("accounts/account.html", "password_form", status=422, form=form)
