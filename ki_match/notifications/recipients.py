"""Who is told about which change: one handler per event, each deciding the mails it causes.

``create_app`` subscribes ``HANDLERS`` (see ``ki_match.events``): the services
below publish what happened, these functions answer in the same transaction,
so a mail is queued exactly when the change commits. Keys make each mail
happen once (the outbox refuses a second row with the same key).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from ki_match.accounts.models import Role
from ki_match.assignments.services import late_cancel_hours
from ki_match.clock import utcnow
from ki_match.initiatives.events import (
    SeriesDeclined,
    SeriesEvent,
    SeriesSubmitted,
    SeriesTakenOver,
    SeriesWithdrawn,
)
from ki_match.notifications.mailing import Change, to_coordinators, to_helper, to_ki, to_requester
from ki_match.notifications.tasks import report_hours_key
from ki_match.offers.answers import Answer
from ki_match.offers.tokens import answer_url
from ki_match.requests import events as request_events
from ki_match.requests.events import (
    AssignmentConfirmed,
    AssignmentWithdrawn,
    HoursApproved,
    OfferAccepted,
    OfferDeclined,
    OffersSent,
    OfferWithdrawn,
    SeriesAccepted,
    SeriesConfirmed,
    SeriesOffered,
)
from ki_match.requests.models import Assignment
from ki_match.urls import public_url


def _assignment_page(assignment: Assignment) -> str:
    return public_url("assignments.show", assignment_id=assignment.id)


# --- offers -------------------------------------------------------------------------------------


def _answer_links(offer) -> dict[str, str]:
    """The one-tap links of an offer mail, signed per offer and answer."""
    return {
        "accept_url": answer_url(offer, Answer.ACCEPT),
        "decline_url": answer_url(offer, Answer.DECLINE),
    }


def offers_sent(event: OffersSent) -> None:
    """Each helper asked gets the offer with one-tap answer links; it names town and time,
    never the exact place or the client reference."""
    for offer in event.offers:
        to_helper(
            offer.helper,
            kind="offer",
            key=f"offer:{offer.id}",
            subject=_l("Anfrage: Können Sie helfen?"),
            template="emails/offer",
            request=event.request,
            offer=offer,
            **_answer_links(offer),
            link=public_url("offers.inbox"),
        )


def series_offered(event: SeriesOffered) -> None:
    """One mail for a helper asked for several dates of a series ("alle 8 Termine", "6 von 8
    Terminen"), each date with its own one-tap links; the inbox answers them all at once."""
    offers = sorted(event.offers, key=lambda offer: offer.request.starts_at)
    to_helper(
        offers[0].helper,
        kind="offer",
        key=f"series-offer:{offers[0].id}",
        subject=_l("Anfrage für eine Terminserie: Können Sie helfen?"),
        template="emails/series_offer",
        request=event.request,
        offers=offers,
        open_dates=event.open_dates,
        all_dates=len(offers) == event.open_dates,
        dates=[{"offer": offer, **_answer_links(offer)} for offer in offers],
        link=public_url("offers.inbox"),
    )


def offer_accepted(event: OfferAccepted) -> None:
    to_coordinators(
        event.request,
        kind="offer_accepted",
        # A yes taken back can be given again: each answer is its own mail.
        key=f"offer-accepted:{event.offer.id}:{event.offer.answered_at:%Y%m%d%H%M%S%f}",
        subject=_l("Zusage für Anfrage #%(id)s", id=event.request.id),
        template="emails/offer_answered",
        offer=event.offer,
    )


def series_accepted(event: SeriesAccepted) -> None:
    """One mail to the coordinators for a helper's yes to several dates of a series."""
    offers = sorted(event.offers, key=lambda offer: offer.request.starts_at)
    to_coordinators(
        event.request,
        kind="offer_accepted",
        key="series-accepted:" + ",".join(str(offer.id) for offer in offers) + f":{utcnow():%Y%m%d%H%M%S%f}",
        subject=_l(
            "Zusage für %(num)d Termine der Serie %(series)d",
            num=len(offers),
            series=event.request.series_id,
        ),
        template="emails/series_accepted",
        offers=offers,
        helper=offers[0].helper,
        link=public_url("series.show", series_id=event.request.series_id),
    )


def offer_declined(event: OfferDeclined) -> None:
    to_coordinators(
        event.request,
        kind="offer_declined",
        # A yes can be taken back more than once (given again in between): each is its own mail.
        key=f"offer-retracted:{event.offer.id}:{utcnow():%Y%m%d%H%M%S%f}"
        if event.retracted
        else f"offer-declined:{event.offer.id}",
        subject=_l("Zusage zurückgenommen: Anfrage #%(id)s", id=event.request.id)
        if event.retracted
        else _l("Absage für Anfrage #%(id)s", id=event.request.id),
        template="emails/offer_answered",
        offer=event.offer,
    )


def offer_withdrawn(event: OfferWithdrawn) -> None:
    to_helper(
        event.offer.helper,
        kind="offer_withdrawn",
        key=f"withdrawn:{event.offer.id}",
        subject=_l("Anfrage zurückgezogen"),
        template="emails/offer_retracted",
        request=event.request,
    )


def assignment_confirmed(event: AssignmentConfirmed) -> None:
    """The helper hears it is theirs; a request now full tells its organisation and everyone
    else who was still asked."""
    request, assignment = event.request, event.assignment
    if event.tell_helper:
        to_helper(
            assignment.helper,
            kind="assignment_confirmed",
            key=f"confirmed:{assignment.id}",
            subject=_l("Ihr Einsatz ist bestätigt"),
            template="emails/assignment_confirmed",
            request=request,
            assignment=assignment,
        )
    if not event.filled:
        return
    to_requester(request, Change.FILLED, actor=event.actor, key=str(assignment.id))
    for offer in event.withdrawn:
        to_helper(
            offer.helper,
            kind="offer_withdrawn",
            key=f"withdrawn:{offer.id}",
            subject=_l("Anfrage ist bereits besetzt"),
            template="emails/offer_withdrawn",
            request=request,
        )


def series_confirmed(event: SeriesConfirmed) -> None:
    """One mail for a helper confirmed for several dates of a series, each with its page."""
    assignments = sorted(event.assignments, key=lambda assignment: assignment.starts_at)
    to_helper(
        assignments[0].helper,
        kind="assignment_confirmed",
        key=f"series-confirmed:{assignments[0].id}",
        subject=_l("Ihre Einsätze sind bestätigt"),
        template="emails/series_confirmed",
        request=event.request,
        dates=[{"assignment": assignment, "url": _assignment_page(assignment)} for assignment in assignments],
        link=public_url("assignments.index"),
    )


# --- assignments ----------------------------------------------------------------------------------


def assignment_withdrawn(event: AssignmentWithdrawn) -> None:
    """The coordinators responsible hear of it; of a late one, every coordinator of the KI. Not of
    a helper a coordinator released herself (the helper hears of that: ``helper_released``)."""
    if event.released:
        return
    hours = late_cancel_hours(event.request)
    if event.late:
        subject = _l(
            "Kurzfristige Absage: Einsatz in weniger als %(hours)d Stunden (Anfrage #%(id)s)",
            hours=hours,
            id=event.request.id,
        )
    else:
        subject = _l("Absage für einen bestätigten Einsatz (Anfrage #%(id)s)", id=event.request.id)
    to_coordinators(
        event.request,
        kind="assignment_withdrawn",
        key=f"assignment-withdrawn:{event.assignment.id}",
        subject=subject,
        template="emails/assignment_withdrawn",
        everyone=event.late,
        assignment=event.assignment,
        late=event.late,
        late_hours=hours,
    )


def helper_released(event: request_events.HelperReleased) -> None:
    """One mail to the helper a coordinator took off one or more dates of a series, listing them."""
    assignments = sorted(event.assignments, key=lambda assignment: (assignment.starts_at, assignment.id))
    to_helper(
        assignments[0].helper,
        kind="assignment_released",
        # Each assignment is released once: the first one names this release.
        key=f"released:{assignments[0].id}",
        subject=lazy_ngettext(
            "Ein Termin der Serie geht an eine andere Person",
            "%(num)d Termine der Serie gehen an eine andere Person",
            len(assignments),
        ),
        template="emails/assignment_released",
        request=event.request,
        assignments=assignments,
    )


def absence_reported(event: request_events.AbsenceReported) -> None:
    """The requester says the helper did not come: every coordinator of the KI hears it at once,
    once per report (a report changed and made again is a new one)."""
    to_coordinators(
        event.request,
        kind="absence_reported",
        key=f"absence-reported:{event.assignment.id}:{event.at.isoformat()}",
        subject=_l("Nicht erschienen: Anfrage #%(id)s", id=event.request.id),
        template="emails/absence_reported",
        everyone=True,
        assignment=event.assignment,
        reported_by=event.actor,
    )


def hours_approved(event: HoursApproved) -> None:
    to_helper(
        event.assignment.helper,
        kind="report_approved",
        key=f"report-approved:{event.assignment.id}",
        subject=_l("Ihre Stunden sind bestätigt"),
        template="emails/report_approved",
        request=event.request,
        assignment=event.assignment,
        link=_assignment_page(event.assignment),
    )


def no_show(event: request_events.NoShow) -> None:
    to_helper(
        event.assignment.helper,
        kind="assignment_no_show",
        key=f"no-show:{event.assignment.id}",
        subject=_l("Einsatz als nicht erschienen vermerkt"),
        template="emails/assignment_no_show",
        request=event.request,
        link=_assignment_page(event.assignment),
    )


# --- a request's life -------------------------------------------------------------------------------


def rescheduled(event: request_events.Rescheduled) -> None:
    """Everyone asked or confirmed hears the new time; a yes for the old one is asked again."""
    request, stamp = event.request, event.at.isoformat()
    for offer in event.offers:
        to_helper(
            offer.helper,
            kind="request_rescheduled",
            key=f"rescheduled:offer:{offer.id}:{stamp}",
            subject=_l("Neuer Termin für eine Anfrage an Sie"),
            template="emails/request_rescheduled",
            request=request,
            old=event.old,
            confirmed=False,
            answer_again=offer.id in event.asked_again,
            link=public_url("offers.inbox"),
        )
    for assignment in event.assignments:
        to_helper(
            assignment.helper,
            kind="request_rescheduled",
            key=f"rescheduled:assignment:{assignment.id}:{stamp}",
            subject=_l("Ihr Einsatz hat einen neuen Termin"),
            template="emails/request_rescheduled",
            request=request,
            old=event.old,
            confirmed=True,
            answer_again=False,
            link=_assignment_page(assignment),
        )
    to_requester(request, Change.RESCHEDULED, actor=event.actor, key=stamp)


def cancelled(event: request_events.Cancelled) -> None:
    """Everyone asked or confirmed hears it with the reason; the organisation hears it from the
    coordinators, or, when the organisation withdrew it itself, the coordinators hear it."""
    request = event.request
    for offer in event.offers:
        to_helper(
            offer.helper,
            kind="request_cancelled",
            key=f"cancelled:offer:{offer.id}",
            subject=_l("Anfrage abgesagt"),
            template="emails/request_cancelled",
            request=request,
            reason=event.reason,
            confirmed=False,
        )
    for assignment in event.assignments:
        to_helper(
            assignment.helper,
            kind="request_cancelled",
            key=f"cancelled:assignment:{assignment.id}",
            subject=_l("Ihr Einsatz ist abgesagt"),
            template="emails/request_cancelled",
            request=request,
            reason=event.reason,
            confirmed=True,
        )
    if event.whole_series:
        return  # the series' own event tells the coordinators or the organisation once
    if getattr(event.actor, "role", None) == Role.INITIATIVE:
        to_ki(request, Change.WITHDRAWN, key="once", reason=event.reason)
    else:
        to_requester(request, Change.CANCELLED, actor=event.actor, key="once", reason=event.reason)


def completed(event: request_events.Completed) -> None:
    """The helpers who have not reported their hours yet are asked to; the organisation hears it."""
    for assignment in event.assignments:
        if assignment.reported_at is None:
            to_helper(
                assignment.helper,
                kind="report_hours",
                key=report_hours_key(assignment),
                subject=_l("Bitte melden Sie Ihre Stunden"),
                template="emails/report_hours",
                request=event.request,
                link=_assignment_page(assignment),
            )
    to_requester(event.request, Change.COMPLETED, actor=event.actor, key="once")


def unfilled(event: request_events.Unfilled) -> None:
    request, stamp = event.request, event.at.isoformat()
    to_requester(request, Change.UNFILLED, key=stamp)
    to_coordinators(
        request,
        kind="request_unfilled",
        key=f"unfilled:{request.id}:{stamp}",
        subject=_l("Anfrage #%(id)s blieb unbesetzt", id=request.id),
        template="emails/request_unfilled",
    )


# --- between an organisation and the coordinators -------------------------------------------------


def submitted(event: request_events.Submitted) -> None:
    if event.whole_series:
        return  # series_submitted tells it once for the series
    to_ki(event.request, Change.RECEIVED, key="once")
    to_requester(event.request, Change.RECEIVED, key="once")  # the sender's receipt


def taken_over(event: request_events.TakenOver) -> None:
    if not event.whole_series:
        to_requester(event.request, Change.ACCEPTED, actor=event.actor, key="once")


def submitted_declined(event: request_events.SubmittedDeclined) -> None:
    if not event.whole_series:
        to_requester(event.request, Change.DECLINED, actor=event.actor, key="once", reason=event.reason)


def question_asked(event: request_events.QuestionAsked) -> None:
    to_requester(
        event.request, Change.QUESTION, actor=event.actor, key=str(event.comment_id), question=event.text
    )


def question_answered(event: request_events.QuestionAnswered) -> None:
    to_ki(event.request, Change.ANSWERED, key=str(event.comment_id), answer=event.text)


def contact_shared(event: request_events.ContactShared) -> None:
    to_requester(event.request, Change.CONTACT_SHARED, actor=event.actor, helpers=event.helpers)


# --- a series an organisation sent in: one mail for the series, not one per date ----------------------


def _series_mail(event: SeriesEvent) -> dict:
    """What every mail about a whole series says: its dates (how many, the first and the last)."""
    return {"key": f"series:{event.series.id}:{event.request.id}", "dates": event.dates}


def _series_to_ki(event: SeriesEvent, change: Change, subject, **context) -> None:
    link = public_url("series.show", series_id=event.series.id)
    to_ki(event.request, change, subject=subject, link=link, **context, **_series_mail(event))


def _series_to_organisation(event: SeriesEvent, change: Change, subject, **context) -> None:
    link = public_url("initiatives.series", series_id=event.series.id)
    to_requester(event.request, change, subject=subject, link=link, **context, **_series_mail(event))


def series_submitted(event: SeriesSubmitted) -> None:
    subject = lazy_ngettext(
        "Neue Terminserie eingereicht: %(num)d Termin (Serie %(id)s)",
        "Neue Terminserie eingereicht: %(num)d Termine (Serie %(id)s)",
        len(event.dates),
        id=event.series.id,
    )
    _series_to_ki(event, Change.RECEIVED, subject)
    _series_to_organisation(event, Change.RECEIVED, _l("Ihre Terminserie ist eingegangen"))  # the receipt


def series_taken_over(event: SeriesTakenOver) -> None:
    subject = _l("Ihre Terminserie ist in Bearbeitung")
    _series_to_organisation(event, Change.ACCEPTED, subject, actor=event.actor)


def series_declined(event: SeriesDeclined) -> None:
    subject = _l("Ihre Terminserie wurde abgelehnt")
    _series_to_organisation(event, Change.DECLINED, subject, actor=event.actor, reason=event.reason)


def series_withdrawn(event: SeriesWithdrawn) -> None:
    subject = lazy_ngettext(
        "Terminserie zurückgezogen: %(num)d Termin (Serie %(id)s)",
        "Terminserie zurückgezogen: %(num)d Termine (Serie %(id)s)",
        len(event.dates),
        id=event.series.id,
    )
    _series_to_ki(event, Change.WITHDRAWN, subject, reason=event.reason)


HANDLERS = {
    OffersSent: offers_sent,
    SeriesOffered: series_offered,
    OfferAccepted: offer_accepted,
    SeriesAccepted: series_accepted,
    OfferDeclined: offer_declined,
    OfferWithdrawn: offer_withdrawn,
    AssignmentConfirmed: assignment_confirmed,
    SeriesConfirmed: series_confirmed,
    AssignmentWithdrawn: assignment_withdrawn,
    request_events.HelperReleased: helper_released,
    HoursApproved: hours_approved,
    request_events.AbsenceReported: absence_reported,
    request_events.NoShow: no_show,
    request_events.Rescheduled: rescheduled,
    request_events.Cancelled: cancelled,
    request_events.Completed: completed,
    request_events.Unfilled: unfilled,
    request_events.Submitted: submitted,
    request_events.TakenOver: taken_over,
    request_events.SubmittedDeclined: submitted_declined,
    request_events.QuestionAsked: question_asked,
    request_events.QuestionAnswered: question_answered,
    request_events.ContactShared: contact_shared,
    SeriesSubmitted: series_submitted,
    SeriesTakenOver: series_taken_over,
    SeriesDeclined: series_declined,
    SeriesWithdrawn: series_withdrawn,
}
