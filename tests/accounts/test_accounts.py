"""Accounts through real requests: registration, verification, login sessions, passwords,
invitations, deactivation, helper approval, rate limits, audit, and form handling."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ki_match.accounts import services
from ki_match.accounts.models import AccountToken, Role, TokenPurpose, User, UserSession
from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile
from ki_match.orgs.models import Ki, Organisation
from tests.factories import PASSWORD
from tests.support import audit_events, htmx_headers, link_in, outbox

NEW_PASSWORD = "ein ganz neues Passwort"
WRONG_LOGIN = "E-Mail-Adresse oder Passwort ist falsch."


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_with(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def register(client, email="amina@example.org", **fields):
    data = {
        "display_name": "Amina K.",
        "email": email,
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "privacy": "y",
    }
    data.update(fields)
    return client.post("/k/hoexter/register", data=data)


def new_client(app, address="192.0.2.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def logged_in(client) -> bool:
    response = client.get("/account")
    assert response.status_code in (200, 303)
    return response.status_code == 200


def field_html(html: str, field_id: str) -> str:
    """The markup ``render_field`` drew for one field: label, input, hint and error."""
    for block in re.findall(r'<div class="field[^"]*">.*?</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return block
    raise AssertionError(f"no field {field_id} in {html}")


def input_value(html: str, field_id: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, field_id
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def set_expiry(purpose: TokenPurpose, when) -> None:
    db.session.query(AccountToken).filter(AccountToken.purpose == purpose).update({"expires_at": when})
    db.session.commit()


# --- registration and e-mail verification --------------------------------------------------


def test_registration_mails_a_link_whose_get_changes_nothing_and_post_verifies(app, client):
    response = register(client, email=" Amina@Example.org ")
    assert (response.status_code, response.headers["Location"]) == (303, "/check-mail/register")
    user = user_with("amina@example.org")
    assert user.role == Role.HELPER and user.email_verified_at is None
    assert db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user.id)) is not None
    assert user.password_hash.startswith("$argon2id$")
    (mail,) = outbox("verify_email", to="amina@example.org")
    link = link_in(mail)
    assert link.startswith("/verify/")

    page = client.get(link)
    assert page.status_code == 200
    assert 'method="post"' in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_verified_at is None, "a GET (link preview, mail scanner) must not verify"
    assert db.session.scalar(select(AccountToken.used_at)) is None

    response = client.post(link)
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    db.session.refresh(user)
    assert user.email_verified_at is not None
    assert audit_events("account.verified")[0].subject_id == user.id

    again = client.post(link)
    assert again.status_code == 404
    assert "nicht mehr gültig" in again.get_data(as_text=True)


def test_expired_verification_link_is_refused(app, client):
    register(client)
    link = link_in(outbox("verify_email")[0])
    set_expiry(TokenPurpose.VERIFY_EMAIL, utcnow() - timedelta(seconds=1))
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert user_with("amina@example.org").email_verified_at is None


def test_verification_link_lives_for_the_configured_time(app, client):
    register(client)
    link_in(outbox("verify_email")[0])  # the token is made when the mail is sent
    token = db.session.scalar(select(AccountToken))
    assert abs(token.expires_at - token.created_at - app.config["VERIFY_TOKEN_TTL"]) < timedelta(seconds=5)


def test_login_before_verification_says_so_and_sends_a_new_link(app, client):
    register(client)
    first_link = link_in(outbox("verify_email")[0])
    response = client.post("/login", data={"email": "amina@example.org", "password": NEW_PASSWORD})
    assert response.status_code == 422
    assert "Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse" in response.get_data(as_text=True)
    assert not logged_in(client)
    first, second = outbox("verify_email", to="amina@example.org")
    assert client.get(first_link).status_code == 404, "the older link stops working"
    assert client.post(link_in(second)).status_code == 303
    assert (
        client.post("/login", data={"email": "amina@example.org", "password": NEW_PASSWORD}).status_code
        == 303
    )


def test_unverified_account_with_wrong_password_learns_nothing(app, client):
    register(client)
    response = client.post("/login", data={"email": "amina@example.org", "password": "falsch" * 3})
    assert response.status_code == 422
    assert WRONG_LOGIN in response.get_data(as_text=True)
    assert len(outbox("verify_email")) == 1


def test_registering_a_taken_address_looks_the_same_and_tells_the_owner(app, client, create_user):
    owner = create_user(Role.COORDINATOR, email="taken@example.org")
    fresh = register(client, email="new@example.org")
    taken = register(app.test_client(), email="TAKEN@example.org")
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert (
        db.session.scalar(select(func.count()).select_from(User).where(User.email == "taken@example.org"))
        == 1
    )
    (note,) = outbox("account_exists")
    assert note.to_address == owner.email
    assert "/login" in note.body_text and "/password/forgot" in note.body_text
    assert outbox("verify_email", to="taken@example.org") == []
    db.session.refresh(owner)
    assert owner.role == Role.COORDINATOR and owner.display_name != "Amina K."


def test_registration_does_the_same_work_for_a_taken_address(app, create_user, monkeypatch):
    """Only the hashing takes long enough to measure; it must run on both paths."""
    from ki_match.accounts import services

    create_user(Role.COORDINATOR, email="taken@example.org")
    hashed = []
    real = services.hash_password
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(password) or real(password))
    register(app.test_client(), email="taken@example.org")
    register(app.test_client(), email="new@example.org")
    assert hashed == [NEW_PASSWORD, NEW_PASSWORD]


# --- login sessions -------------------------------------------------------------------------


def test_login_starts_a_fresh_session(app, client, create_user):
    user = create_user(Role.COORDINATOR)
    client.get("/login")
    with client.session_transaction() as session:
        session["sid"] = "planted-by-an-attacker"
        session["leftover"] = "from before the login"
    before = client.get_cookie("session").value

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert session["sid"] != "planted-by-an-attacker"
        assert "leftover" not in session
        assert session["_user_id"] == str(user.id)
        sid = session["sid"]
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == sha256(sid)))
    assert row.user_id == user.id and row.revoked_at is None
    assert [event.actor_id for event in audit_events("login.success")] == [user.id]
    assert logged_in(client)


HOSTILE_TARGETS = (
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "javascript:x",
)


def test_login_goes_to_a_local_next_page_only(app, client, create_user):
    user = create_user(Role.ADMIN)
    data = {"email": user.email, "password": PASSWORD}
    assert client.post("/login?next=/admin/users", data=data).headers["Location"] == "/admin/users"
    for hostile in HOSTILE_TARGETS:
        response = app.test_client().post("/login", query_string={"next": hostile}, data=data)
        assert (response.status_code, response.headers["Location"]) == (303, "/"), hostile
        # htmx hands HX-Redirect to location.href as it is, without URL encoding.
        response = app.test_client().post(
            "/login", query_string={"next": hostile}, data=data, headers=htmx_headers("login-form")
        )
        assert (response.status_code, response.headers["HX-Redirect"]) == (204, "/"), hostile


def test_locale_switch_returns_to_local_pages_only(app, client):
    response = client.post("/locale", data={"locale": "en", "next": "/privacy"})
    assert response.headers["Location"] == "/privacy"
    for hostile in HOSTILE_TARGETS:
        response = client.post("/locale", data={"locale": "en", "next": hostile}, headers=htmx_headers("x"))
        assert response.headers["HX-Redirect"] == "/", hostile


def test_logout_revokes_the_session_even_for_a_copied_cookie(app, client, create_user):
    user = create_user(Role.COORDINATOR)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    stolen = client.get_cookie("session").value
    assert logged_in(client)

    response = client.post("/logout")
    assert (response.status_code, response.headers["Location"]) == (303, "/login")
    assert not logged_in(client)
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/account")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert db.session.scalar(select(UserSession.revoked_at)) is not None
    assert [event.actor_id for event in audit_events("logout")] == [user.id]


def test_idle_and_old_sessions_end(app, client, create_user):
    user = create_user(Role.COORDINATOR)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    db.session.query(UserSession).update({"last_seen_at": utcnow() - idle - timedelta(minutes=1)})
    db.session.commit()
    assert not logged_in(client)
    assert db.session.scalar(select(UserSession.revoked_at)) is not None

    client.post("/login", data={"email": user.email, "password": PASSWORD})
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.query(UserSession).filter(UserSession.revoked_at.is_(None)).update(
        {"created_at": utcnow() - lifetime - timedelta(minutes=1)}
    )
    db.session.commit()
    assert not logged_in(client), "even a busy session ends after its lifetime"


def test_wrong_password_and_unknown_address_get_the_same_answer(app, create_user):
    user = create_user(Role.COORDINATOR)

    def attempt(email, password):
        response = app.test_client().post("/login", data={"email": email, "password": password})
        body = response.get_data(as_text=True).replace(email, "EMAIL")
        body = re.sub(r'(name="csrf_token" value=|"X-CSRFToken": )"[^"]*"', r"\1TOKEN", body)
        return response.status_code, body

    wrong = attempt(user.email, "falsches Passwort")
    unknown = attempt("nobody@example.org", "falsches Passwort")
    assert wrong[0] == unknown[0] == 422
    assert WRONG_LOGIN in wrong[1]
    assert wrong == unknown
    failures = audit_events("login.failure")
    assert len(failures) == 2
    # The account tried is the subject; whoever tried is not known, so no actor (not its owner).
    assert [event.actor_id for event in failures] == [None, None]
    assert [(event.subject_type, event.subject_id) for event in failures] == [
        ("user_account", user.id),
        (None, None),
    ]
    assert "nobody@example.org" not in str([event.detail for event in failures])


def test_passwords_are_stored_as_argon2id(app, create_user):
    from argon2 import PasswordHasher

    user = create_user(Role.HELPER)
    assert user.password_hash.startswith("$argon2id$v=19$")
    assert PASSWORD not in user.password_hash
    assert PasswordHasher().verify(user.password_hash, PASSWORD)


# --- password reset and change --------------------------------------------------------------


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(app, client, create_user):
    user = create_user(Role.HELPER)
    known = client.post("/password/forgot", data={"email": user.email.upper()})
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert (known.status_code, known.headers["Location"]) == (303, "/check-mail/reset")
    assert (unknown.status_code, unknown.headers["Location"]) == (303, "/check-mail/reset")
    assert [mail.to_address for mail in outbox("reset_password")] == [user.email]
    assert [event.subject_id for event in audit_events("password.reset_requested")] == [user.id]


def test_reset_requests_for_known_and_unknown_addresses_do_the_same_work(
    app, client, create_user, monkeypatch
):
    """The response time must not tell whether an address is known: every path writes the mail
    (its link is made only when it is sent), and only a real account's mail is kept."""
    user = create_user(Role.HELPER)
    inactive = create_user(Role.HELPER, active=False)
    work = []
    original = services._mail_link

    def watched(recipient, purpose, **kwargs):
        work.append((purpose, kwargs["kind"]))
        return original(recipient, purpose, **kwargs)

    monkeypatch.setattr(services, "_mail_link", watched)
    for address in (user.email, "nobody@example.org", inactive.email):
        response = client.post("/password/forgot", data={"email": address})
        assert (response.status_code, response.headers["Location"]) == (303, "/check-mail/reset")
    assert work == [(TokenPurpose.RESET_PASSWORD, "reset_password")] * 3
    (mail,) = outbox("reset_password")
    assert mail.to_address == user.email
    assert link_in(mail).startswith("/password/reset/")
    tokens = db.session.scalars(
        select(AccountToken).where(AccountToken.purpose == TokenPurpose.RESET_PASSWORD)
    )
    assert [token.user_id for token in tokens] == [user.id]
    assert len(audit_events("password.reset_unknown")) == 2


def test_reset_sets_a_new_password_once_and_ends_every_session(app, client, create_user):
    user = create_user(Role.HELPER)
    elsewhere = new_client(app)
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    assert logged_in(elsewhere)
    client.post("/password/forgot", data={"email": user.email})
    link = link_in(outbox("reset_password")[0])

    assert client.get(link).status_code == 200
    mismatch = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": "anders"})
    assert mismatch.status_code == 422
    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert logged_in(client), "the mailed link proved the mailbox: the owner is in"

    assert not logged_in(elsewhere), "a reset must end sessions an attacker may hold"
    assert client.post(link, data={"password": "noch ein anderes Passwort"}).status_code == 404
    assert client.get(link).status_code == 404
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 303
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert [event.subject_id for event in audit_events("password.reset")] == [user.id]


def test_reset_link_expires_after_the_configured_time(app, client, create_user):
    user = create_user(Role.HELPER)
    client.post("/password/forgot", data={"email": user.email})
    link = link_in(outbox("reset_password")[0])
    token = db.session.scalar(select(AccountToken).where(AccountToken.purpose == TokenPurpose.RESET_PASSWORD))
    assert app.config["RESET_TOKEN_TTL"] == timedelta(hours=1)
    assert abs(token.expires_at - token.created_at - timedelta(hours=1)) < timedelta(seconds=5)
    set_expiry(TokenPurpose.RESET_PASSWORD, utcnow() - timedelta(seconds=1))
    assert client.get(link).status_code == 404
    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 303


def test_a_newer_reset_link_replaces_the_older_one(app, client, create_user):
    user = create_user(Role.HELPER)
    client.post("/password/forgot", data={"email": user.email})
    client.post("/password/forgot", data={"email": user.email})
    older, newer = (link_in(mail) for mail in outbox("reset_password"))
    assert client.get(older).status_code == 404
    assert client.get(newer).status_code == 200


def test_password_change_needs_the_current_password_and_ends_other_sessions(app, client, auth, create_user):
    user = create_user(Role.COORDINATOR)
    auth.login(user.email)
    elsewhere = new_client(app)
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})

    wrong = client.post(
        "/account/password",
        data={"current_password": "geraten", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert "Das aktuelle Passwort stimmt nicht." in field_html(
        wrong.get_data(as_text=True), "current_password"
    )
    assert logged_in(elsewhere)

    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/account")
    assert logged_in(client), "the browser that changed the password stays logged in"
    assert not logged_in(elsewhere)
    assert new_client(app).post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 422
    assert (
        new_client(app).post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 303
    )


# --- invitations ----------------------------------------------------------------------------


def invite(client, **fields):
    data = {"display_name": "Karin Koordination", "email": "karin@kreis.example", "role": "coordinator"}
    data.update(fields)
    data.setdefault("organisation_id", "0")
    return client.post("/admin/users/invite", data=data)


def test_invited_person_sets_a_password_and_can_log_in(app, client, login_as):
    admin = login_as(Role.ADMIN)
    assert client.get("/admin/users/invite").status_code == 200
    response = invite(client)
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/users")
    invited = user_with("karin@kreis.example")
    assert invited.role == Role.COORDINATOR and invited.password_hash is None
    assert [(event.actor_id, event.subject_id) for event in audit_events("account.invited")] == [
        (admin.id, invited.id)
    ]
    (mail,) = outbox("invitation", to="karin@kreis.example")

    guest = app.test_client()
    link = link_in(mail)
    page = guest.get(link)
    assert page.status_code == 200 and "Karin" not in page.headers.get("Location", "")
    response = guest.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert logged_in(guest)
    assert (
        guest.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 404
    )
    guest.post("/logout")
    login = guest.post("/login", data={"email": "karin@kreis.example", "password": NEW_PASSWORD})
    assert login.status_code == 303
    db.session.refresh(invited)
    assert invited.email_verified_at is not None
    assert invited.password_hash.startswith("$argon2id$")


def test_initiative_invitation_needs_an_organisation(app, client, login_as, ki):
    login_as(Role.ADMIN)
    response = invite(client, role="initiative", email="ini@example.org")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte wählen Sie die Organisation." in field_html(html, "organisation_id")
    assert input_value(html, "email") == "ini@example.org"
    assert user_with("ini@example.org") is None and outbox("invitation") == []

    organisation = Organisation(ki_id=ki.id, name="Flüchtlingshilfe Brakel")
    db.session.add(organisation)
    db.session.commit()
    response = invite(
        client, role="initiative", email="ini@example.org", organisation_id=str(organisation.id)
    )
    assert response.status_code == 303
    assert user_with("ini@example.org").organisation_id == organisation.id


def test_organisation_of_another_ki_cannot_be_chosen(app, client, login_as):
    login_as(Role.ADMIN)
    other = Ki(slug="anderes-ki", name="Anderes KI")
    db.session.add(other)
    db.session.flush()
    foreign = Organisation(ki_id=other.id, name="Fremde Initiative")
    db.session.add(foreign)
    db.session.commit()
    response = invite(client, role="initiative", email="ini@example.org", organisation_id=str(foreign.id))
    assert response.status_code == 422
    assert user_with("ini@example.org") is None


def test_inviting_a_taken_address_is_refused(app, client, login_as, create_user):
    login_as(Role.ADMIN)
    create_user(Role.COORDINATOR, email="karin@kreis.example")
    response = invite(client)
    assert response.status_code == 422
    assert "bereits ein Konto" in field_html(response.get_data(as_text=True), "email")
    assert outbox("invitation") == []


def other_ki(name="KI Kreis Paderborn") -> Ki:
    other = Ki(slug="kreis-paderborn", name=name)
    db.session.add(other)
    db.session.commit()
    return other


def flashed(client) -> str:
    return client.get("/admin/users").get_data(as_text=True)


def test_inviting_an_address_of_another_ki_answers_as_for_a_new_one(app, client, login_as, create_user, ki):
    """The inviter learns nothing; the owner is told by mail, and their account stays as it was."""
    login_as(Role.ADMIN)
    elsewhere = create_user(
        Role.COORDINATOR, ki=other_ki(), email="karin@kreis.example", display_name="Karin"
    )
    before = (elsewhere.ki_id, elsewhere.role, elsewhere.display_name, elsewhere.password_hash)

    new = invite(client, email="neu@kreis.example")
    new_page = flashed(client)
    existing = invite(client, email="Karin@Kreis.example", display_name="Jemand anderes")
    existing_page = flashed(client)

    assert (existing.status_code, existing.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert "Die Einladung an Karin@Kreis.example ist unterwegs." in existing_page
    assert "Die Einladung an neu@kreis.example ist unterwegs." in new_page
    db.session.refresh(elsewhere)
    assert (elsewhere.ki_id, elsewhere.role, elsewhere.display_name, elsewhere.password_hash) == before
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == elsewhere.email)) == 1
    assert outbox("invitation", to=elsewhere.email) == []
    assert (
        db.session.scalar(
            select(func.count()).select_from(AccountToken).where(AccountToken.user_id == elsewhere.id)
        )
        == 0
    )
    (note,) = outbox("invitation_elsewhere", to=elsewhere.email)
    assert note.ki_id == elsewhere.ki_id, "the inviting KI's mail status page must not list it"
    assert ki.name in note.body_text, "the owner learns which KI tried"
    assert "nichts geändert" in note.body_text
    assert "Jemand anderes" not in note.body_text


def test_inviting_a_member_of_another_ki_to_an_organisation_answers_as_for_a_new_one(
    app, client, login_as, create_user, ki
):
    login_as(Role.ADMIN)
    organisation = Organisation(ki_id=ki.id, name="Flüchtlingshilfe Brakel")
    db.session.add(organisation)
    db.session.commit()
    elsewhere = create_user(Role.HELPER, ki=other_ki(), email="gisela@example.org")
    path = f"/admin/organisations/{organisation.id}/invite"
    new = client.post(path, data={"display_name": "Neu", "email": "neu@example.org"})
    existing = client.post(path, data={"display_name": "Gisela", "email": "gisela@example.org"})
    assert (existing.status_code, existing.headers["Location"]) == (new.status_code, new.headers["Location"])
    db.session.refresh(elsewhere)
    assert (elsewhere.role, elsewhere.organisation_id) == (Role.HELPER, None)
    assert outbox("invitation", to="gisela@example.org") == []
    assert len(outbox("invitation_elsewhere", to="gisela@example.org")) == 1


# --- deactivation ---------------------------------------------------------------------------


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, client, login_as, create_user):
    coordinator = create_user(Role.COORDINATOR)
    their_browser = new_client(app)
    their_browser.post("/login", data={"email": coordinator.email, "password": PASSWORD})
    assert logged_in(their_browser)

    admin = login_as(Role.ADMIN)
    response = client.post(f"/admin/users/{coordinator.id}/active")
    assert (response.status_code, response.headers["Location"]) == (303, "/admin/users")
    db.session.refresh(coordinator)
    assert coordinator.active is False
    assert [(e.actor_id, e.subject_id) for e in audit_events("account.deactivated")] == [
        (admin.id, coordinator.id)
    ]

    assert not logged_in(their_browser)
    response = new_client(app).post("/login", data={"email": coordinator.email, "password": PASSWORD})
    assert response.status_code == 422
    assert WRONG_LOGIN in response.get_data(as_text=True)


def test_admin_cannot_deactivate_themselves(app, client, login_as):
    admin = login_as(Role.ADMIN)
    client.post(f"/admin/users/{admin.id}/active")
    db.session.refresh(admin)
    assert admin.active is True
    assert logged_in(client)


def test_user_list_viewing_is_audited(app, client, login_as, create_user):
    create_user(Role.COORDINATOR, display_name="Karin Koordination")
    admin = login_as(Role.ADMIN)
    response = client.get("/admin/users")
    assert "Karin Koordination" in response.get_data(as_text=True)
    (event,) = audit_events("account.list_viewed")
    assert event.actor_id == admin.id and event.detail == {"count": 2}


# --- helper approval ------------------------------------------------------------------------


def test_coordinator_approves_a_verified_helper(app, client, login_as, create_helper):
    waiting = create_helper(approved=False, display_name="Amina K.")
    unverified = create_helper(approved=False, verified=False, display_name="Noch Unbestätigt")
    coordinator = login_as(Role.COORDINATOR)

    page = client.get("/helpers/approvals")
    html = page.get_data(as_text=True)
    assert "Amina K." in html and "Noch Unbestätigt" not in html
    assert [e.actor_id for e in audit_events("helper.list_viewed")] == [coordinator.id]

    response = client.post(f"/helpers/{waiting.id}/approve")
    assert (response.status_code, response.headers["Location"]) == (303, "/helpers/approvals")
    db.session.refresh(waiting)
    assert waiting.approved_at is not None and waiting.approved_by_id == coordinator.id
    (mail,) = outbox("helper_approved")
    assert mail.to_address == waiting.user.email
    assert [(e.actor_id, e.subject_id) for e in audit_events("helper.approved")] == [
        (coordinator.id, waiting.id)
    ]

    client.post(f"/helpers/{unverified.id}/approve")
    db.session.refresh(unverified)
    assert unverified.approved_at is None


def test_approving_a_helper_of_another_ki_is_not_found(app, client, login_as):
    other = Ki(slug="anderes-ki", name="Anderes KI")
    db.session.add(other)
    db.session.flush()
    stranger = User(
        ki_id=other.id,
        email="fremd@example.org",
        display_name="Fremd",
        role=Role.HELPER,
        email_verified_at=utcnow(),
    )
    db.session.add(stranger)
    db.session.flush()
    foreign = HelperProfile(ki_id=other.id, user_id=stranger.id)
    db.session.add(foreign)
    db.session.commit()

    login_as(Role.COORDINATOR)
    assert "Fremd" not in client.get("/helpers/approvals").get_data(as_text=True)
    response = client.post(f"/helpers/{foreign.id}/approve")
    assert response.status_code == 404
    db.session.refresh(foreign)
    assert foreign.approved_at is None
    assert outbox("helper_approved") == [] and audit_events("helper.approved") == []


# --- rate limits ----------------------------------------------------------------------------


@pytest.fixture
def limited_app(app, make_app):
    """Rate limits on; built after ``app`` because the limiter is one shared object."""
    return make_app(RATELIMIT_ENABLED=True)


def fail_login(app, email, address):
    return new_client(app, address).post("/login", data={"email": email, "password": "falsch" * 3})


def test_account_limit_holds_for_the_address_that_guessed(limited_app, create_user):
    victim = create_user(Role.COORDINATOR)
    bystander = create_user(Role.COORDINATOR)
    assert limited_app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"
    for _attempt in range(5):
        assert fail_login(limited_app, victim.email, "198.51.100.66").status_code == 422
    blocked = fail_login(limited_app, victim.email.upper(), "198.51.100.66")
    assert blocked.status_code == 429
    assert "Zu viele Versuche" in blocked.get_data(as_text=True)
    right_password = new_client(limited_app, "198.51.100.66").post(
        "/login", data={"email": victim.email, "password": PASSWORD}
    )
    assert right_password.status_code == 429, "the limit holds even for the right password"
    other = new_client(limited_app, "198.51.100.66").post(
        "/login", data={"email": bystander.email, "password": PASSWORD}
    )
    assert other.status_code == 303


def test_an_attacker_cannot_lock_the_owner_out(limited_app, create_user):
    """Many wrong passwords from one address slow that address, not the account's owner."""
    victim = create_user(Role.COORDINATOR)
    attacker = "198.51.100.66"
    for _attempt in range(5):
        assert fail_login(limited_app, victim.email, attacker).status_code == 422
    for _attempt in range(10):
        assert fail_login(limited_app, victim.email, attacker).status_code == 429
    owner = new_client(limited_app, "203.0.113.10")
    response = owner.post("/login", data={"email": victim.email, "password": PASSWORD})
    assert response.status_code == 303
    assert logged_in(owner)
    assert fail_login(limited_app, victim.email, attacker).status_code == 429, "the attacker stays limited"


def test_an_owner_behind_the_guessers_address_gets_in_through_the_mailed_link(limited_app, create_user):
    """Office and guesser may share one address (a NAT): the lock page points to the reset, whose
    link proves the mailbox and logs the owner in; guessing passwords from there stays locked."""
    victim = create_user(Role.COORDINATOR)
    shared = "198.51.100.80"
    for _attempt in range(5):
        assert fail_login(limited_app, victim.email, shared).status_code == 422
    owner = new_client(limited_app, shared)
    locked = owner.post("/login", data={"email": victim.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert 'href="/password/forgot"' in locked.get_data(as_text=True)

    assert owner.post("/password/forgot", data={"email": victim.email}).status_code == 303
    link = link_in(outbox("reset_password", to=victim.email)[0])
    response = owner.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert logged_in(owner)
    assert fail_login(limited_app, victim.email, shared).status_code == 429, "guessing stays locked"


def test_an_ipv6_guesser_cannot_escape_by_changing_addresses_in_their_network(limited_app, create_user):
    """One IPv6 line has a whole /64 to pick addresses from: the account limit counts the /64."""
    victim = create_user(Role.COORDINATOR)
    for host in range(1, 6):
        assert fail_login(limited_app, victim.email, f"2001:db8:1:2::{host}").status_code == 422
    assert fail_login(limited_app, victim.email, "2001:db8:1:2:ffff::9").status_code == 429
    owner = new_client(limited_app, "2001:db8:1:3::1")
    assert owner.post("/login", data={"email": victim.email, "password": PASSWORD}).status_code == 303


def test_address_limit(limited_app, create_user):
    limit = limited_app.config["LOGIN_LIMIT_PER_ADDRESS"]
    count = int(limit.split()[0])
    for attempt in range(count):
        response = fail_login(limited_app, f"guess{attempt}@example.org", "198.51.100.7")
        assert response.status_code == 422, attempt
    assert fail_login(limited_app, "one-more@example.org", "198.51.100.7").status_code == 429
    assert fail_login(limited_app, "one-more@example.org", "198.51.100.8").status_code == 422


def test_successful_logins_do_not_count_against_the_account(limited_app, create_user):
    user = create_user(Role.COORDINATOR)
    for _attempt in range(4):
        assert fail_login(limited_app, user.email, "198.51.100.1").status_code == 422
    for headers in ({}, htmx_headers("login-form"), {}):
        client = new_client(limited_app, "198.51.100.1")
        response = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers=headers)
        assert response.status_code in (303, 204), response.status_code
        client.post("/logout")
    assert fail_login(limited_app, user.email, "198.51.100.1").status_code == 422
    assert fail_login(limited_app, user.email, "198.51.100.1").status_code == 429


# --- form handling --------------------------------------------------------------------------


def test_invalid_registration_answers_422_with_errors_next_to_fields(app, client):
    response = register(client, email="kein-at-zeichen", password="q7Zk", password_confirm="q7Zk", privacy="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    email = field_html(html, "email")
    assert "gültige E-Mail-Adresse" in email
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-error"' in email
    assert "Mindestens 12 Zeichen" in field_html(html, "password")
    assert "Datenschutzhinweise" in field_html(html, "privacy")
    assert input_value(html, "display_name") == "Amina K."
    assert input_value(html, "email") == "kein-at-zeichen"
    assert input_value(html, "password") in (None, "")
    assert input_value(html, "password_confirm") in (None, "")
    assert "q7Zk" not in html  # the password is never echoed
    assert user_with("kein-at-zeichen") is None and outbox() == []


def test_failed_login_keeps_the_address_but_not_the_password(app, client):
    response = client.post("/login", data={"email": "someone@example.org", "password": "geheim-geheim"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert input_value(html, "email") == "someone@example.org"
    assert "geheim-geheim" not in html
    assert WRONG_LOGIN in field_html(html, "password")


def test_htmx_login_gets_only_the_form_back_and_204_on_success(app, client, create_user):
    user = create_user(Role.COORDINATOR)
    headers = htmx_headers("login-form")
    failed = client.post("/login", data={"email": user.email, "password": "falsch"}, headers=headers)
    body = failed.get_data(as_text=True)
    assert failed.status_code == 422
    assert body.lstrip().startswith('<form id="login-form"') and "<html" not in body
    assert WRONG_LOGIN in body

    invalid = client.post("/login", data={"email": "", "password": ""}, headers=headers)
    assert invalid.status_code == 422 and "<html" not in invalid.get_data(as_text=True)

    success = client.post(
        "/login?next=/account", data={"email": user.email, "password": PASSWORD}, headers=headers
    )
    assert (success.status_code, success.headers["HX-Redirect"]) == (204, "/account")
    assert success.get_data() == b""
    assert logged_in(client)


def test_htmx_registration_errors_come_back_as_the_form_fragment(app, client):
    response = client.post("/k/hoexter/register", data={"email": "x"}, headers=htmx_headers("register-form"))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.lstrip().startswith('<form id="register-form"') and "<html" not in body
    assert "field-error" in body


# --- names as typed ----------------------------------------------------------------------------

MESSY_NAME = "\u202e Amina\u00a0\tHaddad\x00\u2003"


def test_a_name_is_stored_with_plain_spaces_and_without_control_characters(client, login_as):
    assert register(client, display_name=MESSY_NAME).status_code == 303
    assert user_with("amina@example.org").display_name == "Amina Haddad"

    login_as(Role.ADMIN)
    assert invite(client, display_name="Karin\u00a0\u00a0Koordination\u2066").status_code == 303
    assert user_with("karin@kreis.example").display_name == "Karin Koordination"
