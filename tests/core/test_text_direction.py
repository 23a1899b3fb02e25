"""Right to left, and user data in its own direction.

A page and a mail in Arabic or Persian run from right to left (``<html dir="rtl">``), the others
from left to right. Names, addresses, phone numbers and places that people typed sit inside the
translated sentences in ``<bdi>``, so that an Arabic name does not turn a German sentence around
(or a Latin one an Arabic sentence); inputs for addresses, numbers, days and times read left to
right in every language, free text takes the direction of what is typed.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ki_match.accounts.models import Role
from ki_match.core.forms import BaseForm, DayField, EuroField, WallClockField, WholeNumberField
from ki_match.core.templating import bdi
from ki_match.helpers.activation import approve_helper
from ki_match.outbox.models import OutboxMessage
from tests.factories import PASSWORD
from tests.support import outbox

ARABIC_NAME = "سمير الحلبي"


def test_bdi_escapes_and_isolates():
    assert bdi("Samir <b>") == Markup("<bdi>Samir &lt;b&gt;</bdi>")
    assert bdi("+49 5271 965-0", "ltr") == Markup('<bdi dir="ltr">+49 5271 965-0</bdi>')
    assert bdi(None) == bdi("") == Markup("")


@pytest.mark.parametrize(
    ("locale", "direction"), [("ar", "rtl"), ("fa", "rtl"), ("de", "ltr"), ("en", "ltr")]
)
def test_a_mail_runs_in_the_direction_of_its_recipients_language(
    app, client, create_helper, coordinator, locale, direction
):
    profile = create_helper(approved=False, locale=locale, display_name=ARABIC_NAME)
    # Approved by a coordinator whose own pages are German: the mail still follows the helper.
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        approve_helper(profile, coordinator)
    (message,) = outbox("helper_approved", to=profile.user.email)
    assert isinstance(message, OutboxMessage)
    assert message.body_html.startswith(f'<!doctype html>\n<html lang="{locale}" dir="{direction}">')
    assert f"<bdi>{ARABIC_NAME}</bdi>" in message.body_html
    assert "<bdi>" not in message.body_text


def test_a_helpers_name_and_number_keep_their_own_direction_on_her_pages(client, db, create_helper):
    profile = create_helper(display_name=ARABIC_NAME)
    profile.phone = "+49 5271 965-0"
    db.session.commit()
    client.post("/login", data={"email": profile.user.email, "password": PASSWORD})
    home = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert f"<h1>Hallo <bdi>{ARABIC_NAME}</bdi></h1>" in home
    assert f"angemeldet als <bdi>{ARABIC_NAME}</bdi>" in home
    shown = client.get("/profile").get_data(as_text=True)
    assert '<dd><bdi dir="ltr">+49 5271 965-0</bdi></dd>' in shown
    assert f"<dd><bdi>{profile.user.email}</bdi></dd>" in shown


def test_a_name_with_markup_stays_text(client, create_helper):
    profile = create_helper(display_name="<i>Samir</i>")
    client.post("/login", data={"email": profile.user.email, "password": PASSWORD})
    home = client.get("/").get_data(as_text=True)
    assert "Hallo <bdi>&lt;i&gt;Samir&lt;/i&gt;</bdi>" in home
    assert "<i>Samir</i>" not in home


def _tag(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(0)


def test_inputs_read_in_the_direction_of_what_they_hold(client, create_helper):
    login = client.get("/login").get_data(as_text=True)
    assert 'dir="ltr"' in _tag(login, r'<input[^>]*type="email"[^>]*>')
    assert "dir=" not in _tag(login, r'<input[^>]*type="password"[^>]*>')
    profile = create_helper()
    client.post("/login", data={"email": profile.user.email, "password": PASSWORD})
    more = client.get("/profile/more").get_data(as_text=True)
    assert 'dir="ltr"' in _tag(more, r'<input[^>]*name="phone"[^>]*>')
    # The language of the pages: each offered in its own name, language and direction.
    options = re.findall(
        r'<option([^>]*)value="(\w+)"([^>]*)>([^<]*)</option>',
        _tag(more, r'(?s)<select[^>]*name="locale".*?</select>'),
    )
    assert [(value, name) for _before, value, _after, name in options] == [
        ("de", "Deutsch"),
        ("en", "English"),
        ("ar", "العربية"),
        ("fa", "فارسی"),
        ("uk", "Українська"),
        ("ru", "Русский"),
        ("tr", "Türkçe"),
    ]
    for before, value, after, _name in options:
        attributes = before + after
        assert f'lang="{value}"' in attributes
        assert f'dir="{"rtl" if value in ("ar", "fa") else "ltr"}"' in attributes


def test_free_text_takes_the_direction_of_what_is_typed(client, login_as):
    login_as(Role.COORDINATOR)
    form = client.get("/requests/new").get_data(as_text=True)
    assert 'dir="auto"' in _tag(form, r"<textarea[^>]*>")
    assert 'dir="ltr"' in _tag(form, r'<input[^>]*type="date"[^>]*>')


def test_each_kind_of_input_gets_its_direction(app):
    class EveryKind(BaseForm):
        name = StringField()
        note = TextAreaField()
        email = EmailField()
        phone = StringField(render_kw={"type": "tel"})
        postcode = StringField(render_kw={"inputmode": "numeric"})
        own = StringField(render_kw={"dir": "rtl"})
        amount = EuroField()
        count = WholeNumberField()
        day = DayField()
        clock = WallClockField()
        password = PasswordField()
        choice = SelectField(choices=[SelectChoice("a", "A")])

    with app.test_request_context("/"):
        form = EveryKind(meta={"csrf": False})
        directions = {
            field.name: (re.search(r' dir="(\w+)"', str(field())) or [None, None])[1] for field in form
        }
    assert directions == {
        "name": "auto",
        "note": "auto",
        "email": "ltr",
        "phone": "ltr",
        "postcode": "ltr",
        "own": "rtl",
        "amount": "ltr",
        "count": "ltr",
        "day": "ltr",
        "clock": "ltr",
        "password": None,
        "choice": None,
    }
