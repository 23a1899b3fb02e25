"""A new helper's start page says what is actually next: the set-up step to finish, waiting for
approval once nothing is missing, or ready once approved; never "waiting" while something is missing."""

from __future__ import annotations

from datetime import time

import pytest

from ki_match.clock import utcnow
from ki_match.extensions import db
from ki_match.helpers.models import AvailabilitySlot, HelperLanguage, HelperProfile
from ki_match.orgs.settings import change_settings
from ki_match.profile.services import Progress, Stage, progress
from ki_match.reference.models import Level
from tests.factories import language, town

WAITING = "Ihr Profil wartet auf Freigabe"
READY = "Ihr Profil ist freigegeben. Sie können Anfragen bekommen."


def main(response) -> str:
    page = response.get_data(as_text=True)
    return page[page.index("<main") : page.index("</main>")]


def with_slot(profile: HelperProfile) -> HelperProfile:
    db.session.add(AvailabilitySlot(helper_id=profile.id, weekday=1, starts=time(9), ends=time(12)))
    db.session.commit()
    return profile


@pytest.fixture
def newcomer(create_helper, auth):
    """Languages and home town entered, no times and no consent yet, not approved."""
    profile = create_helper(approved=False, consented=False)
    auth.login(profile.user.email)
    return profile


def test_an_incomplete_profile_names_its_next_step_and_links_to_it(client, newcomer):
    page = main(client.get("/"))
    assert "Schritt 3 von 5:</strong> Wann Sie Zeit haben" in page
    assert 'href="/profile/when?setup=1"' in page
    assert "wann Sie Zeit haben" in page and "Einwilligung in die Datenverarbeitung" in page
    assert WAITING not in page and READY not in page


def test_the_step_follows_what_is_missing(client, create_helper, auth):
    profile = create_helper(approved=False, consented=False, languages=(), home=None)
    auth.login(profile.user.email)
    assert "Schritt 1 von 5:</strong> Sprachen" in main(client.get("/"))
    with_slot(profile)
    profile.consent_given_at = utcnow()
    db.session.commit()
    page = main(client.get("/"))
    assert "Schritt 1 von 5" in page  # languages are still missing, whatever came later
    assert 'href="/profile/languages?setup=1"' in page and WAITING not in page


def test_a_complete_profile_waits_for_approval_and_says_whom_to_ask(client, ki, newcomer):
    with_slot(newcomer)
    newcomer.consent_given_at = utcnow()
    change_settings(ki, None, contact_phone="05271 965-0")
    db.session.commit()
    page = main(client.get("/"))
    assert WAITING in page and "Schritt" not in page and READY not in page
    assert 'href="tel:052719650"' in page


def test_an_approved_helper_is_ready(client, newcomer):
    with_slot(newcomer)
    newcomer.consent_given_at = newcomer.approved_at = utcnow()
    db.session.commit()
    page = main(client.get("/"))
    assert READY in page and WAITING not in page and "Schritt" not in page


def test_progress_walks_the_three_stages(create_helper):
    profile = create_helper(approved=False, consented=False, home=None, languages=(("de", Level.B2),))
    first = progress(profile)
    assert (first.stage, first.step.key, first.step_number, first.step_count) == (
        Stage.SETTING_UP,
        "languages",
        1,
        5,
    )
    assert [item.key for item in first.missing] == ["language", "home_town", "slots", "consent"]

    db.session.add(HelperLanguage(helper_id=profile.id, language_id=language("ar").id, level=Level.NATIVE))
    profile.home_town_id = town("Brakel").id
    with_slot(profile)
    profile = db.session.get(HelperProfile, profile.id)
    later = progress(profile)
    assert (later.stage, later.step.key, later.step_number) == (Stage.SETTING_UP, "consent", 5)

    profile.consent_given_at = utcnow()
    db.session.commit()
    assert progress(profile) == Progress(Stage.WAITING, [])
    profile.approved_at = utcnow()
    assert progress(profile).stage == Stage.APPROVED


def test_only_an_unverified_address_missing_has_no_step(create_helper):
    """Confirming the address is no set-up step: still setting up, but no step to link to."""
    profile = with_slot(create_helper(approved=False, verified=False))
    state = progress(profile)
    assert (state.stage, state.step, [item.key for item in state.missing]) == (
        Stage.SETTING_UP,
        None,
        ["verify"],
    )
