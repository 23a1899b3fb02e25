"""Privacy scan: what the initiative demo login can reach never shows a helper's contact data.

Loads the demo data set once, logs in as the initiative demo user, follows every link and
every htmx ``hx-get`` (sent as htmx would, with its target) from the start page on, and
looks for each demo helper's e-mail address, phone number, surname and gender in every
response: pages, partials and whatever else a link leads to.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import url_for
from sqlalchemy import delete, select

from ki_match.accounts.models import User
from ki_match.devtools.demo import content
from ki_match.devtools.demo.data import load_demo
from ki_match.extensions import db
from ki_match.helpers.models import HelperProfile

MAX_PAGES = 400
# Never followed: they end the session or change data.
SKIP = ("/logout", "/static/")
# How a helper's gender is labelled where it is shown (the profile and the coordinators' pages).
GENDER_WORDS = re.compile(r"\b(weiblich|männlich|divers|female|male|diverse)\b", re.IGNORECASE)
# The request form's own choice of a preferred gender is a question, not a helper's data.
GENDER_PREFERENCE_SELECT = re.compile(r'<select[^>]*name="gender_pref".*?</select>', re.DOTALL)


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.partials: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if (
            tag == "form"
            and (attributes.get("method") or "get").lower() == "get"
            and attributes.get("action")
        ):
            self.links.append(attributes["action"])  # a search form sent as it stands
        if attributes.get("hx-get"):
            target = (attributes.get("hx-target") or "").lstrip("#")
            self.partials.append((attributes["hx-get"], target))


@pytest.fixture(scope="module")
def demo_app(shared_app, reset_database):
    with shared_app.app_context():
        load_demo()
        yield shared_app
        db.session.remove()
    reset_database()


def secrets(app) -> dict[str, str]:
    """Each demo helper's contact data and surname → what it is, for the failure message."""
    found = {}
    with app.app_context():
        rows = db.session.execute(
            select(User, HelperProfile).join(HelperProfile, HelperProfile.user_id == User.id)
        )
        for user, profile in rows:
            found[user.email] = f"e-mail of {user.display_name}"
            if profile.phone:
                found[profile.phone] = f"phone of {user.display_name}"
                found[profile.phone.replace(" ", "")] = f"phone of {user.display_name}"
            for surname in user.display_name.split()[1:]:
                # Demo surnames are mostly an initial ("Amina H."), which the directory shows
                # by design; a written-out surname must never appear.
                if len(surname.rstrip(".")) > 1:
                    found[surname] = f"surname of {user.display_name}"
    return found


def _local(url: str) -> str | None:
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None  # mailto:, tel:
    if parts.netloc and parts.netloc != "localhost":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith(SKIP):
        return None
    return path


def _logged_in(app):
    client = app.test_client()
    login = client.post("/login", data={"email": content.INITIATIVE_EMAIL, "password": content.DEMO_PASSWORD})
    assert login.status_code == 303
    return client


def leaks(body: str, hidden: dict[str, str]) -> list[str]:
    return [
        what for secret, what in hidden.items() if re.search(rf"(?<![\w@.]){re.escape(secret)}(?!\w)", body)
    ]


def test_initiative_sees_no_helper_contact_data_anywhere(demo_app):
    client = _logged_in(demo_app)
    hidden = secrets(demo_app)
    assert hidden, "the demo has helpers"

    queue: list[tuple[str, str | None]] = [("/", None)]
    seen: set[tuple[str, str | None]] = set()
    visited_paths = set()
    while queue and len(seen) < MAX_PAGES:
        path, target = queue.pop(0)
        if (path, target) in seen:
            continue
        seen.add((path, target))
        headers = {"HX-Request": "true", "HX-Target": target} if target else {}
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 303, 404), (path, response.status_code)
        if response.status_code != 200:
            continue
        visited_paths.add(path.split("?")[0])
        body = response.get_data(as_text=True)
        for secret, what in hidden.items():
            assert not re.search(rf"(?<![\w@.]){re.escape(secret)}(?![\w])", body), (
                f"{what} on {path} ({target})"
            )
        if response.mimetype == "text/html":
            scrubbed = GENDER_PREFERENCE_SELECT.sub("", body)
            match = GENDER_WORDS.search(re.sub(r"<[^>]+>", " ", scrubbed))
            assert match is None, f"gender label {match.group(0)!r} on {path} ({target})"
            parser = Links()
            parser.feed(body)
            for link in parser.links:
                if (local := _local(link)) is not None:
                    queue.append((local, None))
            for link, hx_target in parser.partials:
                if (local := _local(link)) is not None:
                    queue.append((local, hx_target or None))

    # The crawl reached the initiative's own pages and the directory.
    assert "/initiative/requests" in visited_paths
    assert "/initiative/requests/new" in visited_paths
    assert any(path.startswith("/initiative/requests/") and path[-1].isdigit() for path in visited_paths)
    with demo_app.test_request_context():
        assert url_for("directory.index") in visited_paths


def _set_shared(app, request_id: int, shared: bool) -> None:
    """Share the contact of every helper holding a seat of the request, or delete those shares."""
    from ki_match.initiatives.models import ContactShare
    from ki_match.initiatives.services import confirmed_helpers
    from ki_match.requests.models import HelpRequest

    with app.app_context():
        request = db.session.get(HelpRequest, request_id)
        if shared:
            for helper in confirmed_helpers(request):
                db.session.add(
                    ContactShare(
                        request_id=request.id, helper_id=helper.id, organisation_id=request.organisation_id
                    )
                )
        else:
            db.session.execute(delete(ContactShare).where(ContactShare.request_id == request_id))
        db.session.commit()


def test_the_scan_finds_a_contact_once_a_coordinator_shares_it(demo_app):
    """The check can fail: sharing a confirmed helper's contact puts it on the request page."""
    from ki_match.requests.models import HelpRequest, RequestStatus

    hidden = secrets(demo_app)
    # No app context stays open around the client's requests: they would share its ``g``.
    with demo_app.app_context():
        member = db.session.scalar(select(User).where(User.email == content.INITIATIVE_EMAIL))
        request_id = db.session.scalar(
            select(HelpRequest.id)
            .where(
                HelpRequest.organisation_id == member.organisation_id,
                HelpRequest.status.in_([RequestStatus.FILLED, RequestStatus.COMPLETED]),
            )
            .order_by(HelpRequest.id)
            .limit(1)
        )
    if request_id is None:
        pytest.skip("the demo organisation has no request with a confirmed helper")
    client = _logged_in(demo_app)
    before = client.get(f"/initiative/requests/{request_id}")
    assert before.status_code == 200 and not leaks(before.get_data(as_text=True), hidden)
    _set_shared(demo_app, request_id, True)
    try:
        after = client.get(f"/initiative/requests/{request_id}")
        assert after.status_code == 200
        assert any(what.startswith("e-mail of") for what in leaks(after.get_data(as_text=True), hidden))
    finally:
        _set_shared(demo_app, request_id, False)
