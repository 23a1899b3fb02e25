"""A helper's way in and out: the profile every helper account gets, approval, deactivation."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ki_match.accounts.events import HelperAccountCreated
from ki_match.accounts.models import Role, User
from ki_match.accounts.services import AccountError, set_active
from ki_match.audit.services import record
from ki_match.clock import utcnow
from ki_match.events import publish
from ki_match.extensions import db
from ki_match.helpers.events import FreedCommitments, HelperLeaving, LeavingCause
from ki_match.helpers.models import HelperProfile
from ki_match.outbox.queue import queue_mail
from ki_match.urls import public_url


def create_profile(event: HelperAccountCreated) -> HelperProfile:
    """Every helper account has its profile from the start (filled in during set-up)."""
    profile = HelperProfile(ki_id=event.user.ki_id, user_id=event.user.id)
    db.session.add(profile)
    return profile


def approve_helper(profile: HelperProfile, by: User) -> None:
    """From now on the helper can receive offers."""
    if profile.approved_at is not None:
        return
    managed = profile.user.is_managed
    if managed and profile.consent_given_at is None:
        raise AccountError(_("Bitte zuerst die schriftliche Einwilligung eintragen."))
    if profile.user.email_verified_at is None and not managed:
        raise AccountError(_("Die E-Mail-Adresse ist noch nicht bestätigt."))
    profile.approved_at = utcnow()
    profile.approved_by_id = by.id
    record("helper.approved", actor=by, subject=profile)
    if managed:  # no mailbox: the coordinator who approves her tells her
        db.session.commit()
        return
    queue_mail(
        kind="helper_approved",
        to=profile.user.email,
        subject=_l("Ihr Profil wurde freigegeben"),
        template="emails/helper_approved",
        key=f"approved:{profile.id}",
        ki_id=profile.ki_id,
        user=profile.user,
        link=public_url("home.index"),
    )
    db.session.commit()


def end_commitments(
    profile: HelperProfile, actor: User, cause: LeavingCause, reason: str
) -> FreedCommitments:
    """The helper is about to stop being matchable: their open offers and the seats ahead end
    (``HelperLeaving``, answered by ``offers.commitments``). Called before the change that makes
    them unmatchable, so the requests are locked before the helper's row is written; the caller
    makes that change and commits both together."""
    answers = publish(HelperLeaving(profile, actor, reason, cause))
    return next((answer for answer in answers if isinstance(answer, FreedCommitments)), FreedCommitments())


def set_account_active(user: User, active: bool, by: User) -> FreedCommitments:
    """Activate or deactivate an account; a deactivated helper's open commitments end with it
    (``end_commitments``), in the same transaction as the deactivation."""
    freed = FreedCommitments()
    if not active and user.role == Role.HELPER and user.active and user.id != by.id:
        profile = db.session.scalar(select(HelperProfile).where(HelperProfile.user_id == user.id))
        if profile is not None:
            freed = end_commitments(profile, by, LeavingCause.DEACTIVATED, str(_l("Konto deaktiviert")))
    set_active(user, active, by)  # commits, together with the above
    return freed


HANDLERS = {HelperAccountCreated: create_profile}
