"""Which notifications a user wants by e-mail: defaults, mandatory kinds, the settings page."""

from __future__ import annotations

from sqlalchemy import select

from ki_match.accounts.models import Role
from ki_match.extensions import db
from ki_match.outbox.preferences import (
    CATEGORIES,
    NotificationPreference,
    categories_for,
    category_of,
    save_preferences,
    wants_mail,
)
from ki_match.outbox.queue import queue_mail
from tests.support import htmx_headers, outbox


def queue(user, kind: str, key: str = "1"):
    message = queue_mail(
        kind=kind,
        to=user.email,
        subject="Betreff",
        template="emails/helper_approved",
        key=key,
        recipient=user,
        user=user,
        link="http://localhost/",
    )
    db.session.commit()
    return message


def test_every_kind_belongs_to_at_most_one_category():
    kinds = [kind for category in CATEGORIES for kind in category.kinds]
    assert len(kinds) == len(set(kinds))


def test_account_mails_are_never_optional():
    for kind in ("verify_email", "reset_password", "invitation", "account_exists", "helper_approved"):
        assert category_of(kind) is None


def test_everything_is_wanted_by_default(create_helper):
    user = create_helper().user
    assert all(wants_mail(user, kind) for category in CATEGORIES for kind in category.kinds)


def test_optional_kinds_switched_off_are_not_queued(create_helper):
    user = create_helper().user
    save_preferences(user, {"offers"})  # "offers" is mandatory: asking for it changes nothing
    db.session.commit()
    assert not wants_mail(user, "assignment_reminder")
    assert not wants_mail(user, "report_approved")
    assert queue(user, "assignment_reminder") is None
    assert outbox("assignment_reminder") == []


def test_mandatory_kinds_are_always_queued(create_helper):
    user = create_helper().user
    # Even a stored "no" (it cannot come from the page) does not stop them.
    db.session.add(NotificationPreference(user_id=user.id, category="offers", email=False))
    db.session.add(NotificationPreference(user_id=user.id, category="assignment_changes", email=False))
    db.session.commit()
    for number, kind in enumerate(
        ("offer", "assignment_confirmed", "request_cancelled", "request_rescheduled")
    ):
        assert queue(user, kind, key=str(number)) is not None
    assert queue(user, "reset_password", key="x") is not None
    assert len(outbox()) == 5


def test_preferences_of_one_user_leave_others_alone(create_helper):
    switched, other = create_helper().user, create_helper().user
    save_preferences(switched, set())
    db.session.commit()
    assert wants_mail(other, "assignment_reminder")


def test_categories_follow_the_role(create_user, create_helper):
    helper = {c.key for c in categories_for(create_helper().user)}
    coordinator = {c.key for c in categories_for(create_user(Role.COORDINATOR))}
    assert {"offers", "reminders", "hours"} <= helper
    assert "unanswered_offers" not in helper
    assert {"offer_answers", "unanswered_offers", "initiative_requests"} <= coordinator
    assert "offers" not in coordinator


# --- the page ---------------------------------------------------------------------------------


def stored(user) -> dict[str, bool]:
    db.session.expire_all()
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return {row.category: row.email for row in rows}


def test_page_lists_categories_with_mandatory_ones_checked_and_disabled(client, login_as):
    login_as(Role.HELPER)
    response = client.get("/account/notifications")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert 'id="category-offers" checked disabled' in html
    assert 'id="category-assignment_changes" checked disabled' in html
    assert "lassen sich nicht abschalten" in html
    assert 'name="email" id="category-reminders" value="reminders" checked' in html
    assert "Passwort zurücksetzen" in html  # account mails named as always sent, not as a choice
    assert 'value="reset_password"' not in html


def test_saving_without_javascript_redirects_and_stores(client, login_as):
    user = login_as(Role.HELPER)
    response = client.post("/account/notifications", data={"email": ["hours"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/notifications")
    assert stored(user) == {"reminders": False}
    html = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="email" id="category-reminders" value="reminders" aria' in html  # no longer checked
    assert 'value="hours" checked' in html
    assert "Ihre Einstellungen sind gespeichert." in html

    client.post("/account/notifications", data={"email": ["hours", "reminders"]})
    assert stored(user) == {}


def test_saving_with_htmx_swaps_the_form(client, login_as):
    user = login_as(Role.COORDINATOR)
    response = client.post(
        "/account/notifications",
        data={"email": ["offer_answers"]},
        headers=htmx_headers("preferences-form"),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="preferences-form"')
    assert "<h1" not in html
    assert 'role="status">Ihre Einstellungen sind gespeichert.' in html
    assert stored(user) == {
        "unanswered_offers": False,
        "initiative_requests": False,
        "request_updates": False,
    }


def test_a_mandatory_or_unknown_category_cannot_be_posted(client, login_as):
    user = login_as(Role.HELPER)
    response = client.post("/account/notifications", data={"email": ["reminders", "offers"]})
    assert response.status_code == 422
    assert stored(user) == {}
    response = client.post(
        "/account/notifications", data={"email": ["nonsense"]}, headers=htmx_headers("preferences-form")
    )
    assert response.status_code == 422
    assert 'id="email-error">' in response.get_data(as_text=True)


def test_page_needs_a_login(client):
    response = client.get("/account/notifications")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_account_page_and_profile_link_to_the_settings(client, login_as):
    login_as(Role.HELPER)
    assert "/account/notifications" in client.get("/account").get_data(as_text=True)
    assert "/account/notifications" in client.get("/profile").get_data(as_text=True)
