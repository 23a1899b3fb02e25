"""Answer-by times as a helper reads them: on the inbox card "bis morgen, 18:00", in the offer
mail with the day named (a mail is read later), in English too."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from ki_match.clock import local_today
from ki_match.core import dates
from ki_match.extensions import db
from ki_match.notifications.recipients import offers_sent
from ki_match.requests.events import OffersSent
from tests.factories import berlin, make_request, offer_to
from tests.support import outbox


@pytest.fixture
def amina(create_helper, auth):
    profile = create_helper(display_name="Amina K.", email="amina@example.org")
    auth.login(profile.user.email)
    return profile


def card(client, offer) -> str:
    page = client.get("/inbox").get_data(as_text=True)
    match = re.search(rf'<article id="offer-card-{offer.id}".*?</article>', page, re.S)
    assert match
    return match.group(0)


def test_the_inbox_card_says_tomorrow(client, amina, coordinator):
    tomorrow = local_today() + timedelta(days=1)
    request = make_request(created_by=coordinator, starts_in=timedelta(days=5))
    offer = offer_to(request, amina, expires_at=berlin(tomorrow, time(18, 0)))
    assert "Bitte antworten Sie bis morgen, 18:00." in card(client, offer)


def test_the_inbox_card_names_a_later_day_in_english(client, amina, coordinator):
    day = local_today() + timedelta(days=3)
    request = make_request(created_by=coordinator, starts_in=timedelta(days=5))
    offer = offer_to(request, amina, expires_at=berlin(day, time(9, 30)))
    amina.user.locale = "en"
    db.session.commit()
    expected = dates.show(day, "day_long_no_year", "en") + ", 9:30\u202fAM"  # "Friday, December 11, 9:30 AM"
    assert f"Please answer by {expected}." in card(client, offer)


@pytest.mark.parametrize(
    ("locale", "clock", "words"),
    [("de", "18:00", "Bitte antworten Sie bis"), ("en", "6:00\u202fPM", "Please answer by")],
)
def test_the_offer_mail_names_the_day(amina, coordinator, locale, clock, words):
    """ "Mittwoch, 9. Dezember, 18:00" / "Wednesday, December 9, 18:00", never "tomorrow"."""
    amina.user.locale = locale
    tomorrow = local_today() + timedelta(days=1)
    request = make_request(created_by=coordinator, starts_in=timedelta(days=5))
    offer = offer_to(request, amina, expires_at=berlin(tomorrow, time(18, 0)))
    offers_sent(OffersSent(request=request, actor=None, offers=[offer]))
    db.session.commit()
    [mail] = outbox("offer", to="amina@example.org")
    expected = dates.show(tomorrow, "day_long_no_year", locale) + ", " + clock
    for body in (mail.body_text, mail.body_html):
        assert f"{words} {expected}." in body
        assert "morgen" not in body and "tomorrow" not in body
