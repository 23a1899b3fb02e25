"""The coordinator's desk: the requests (list, form, the request page and everything done on it)
and the helpers (list, one helper's record, approval, activation); the training courses.

A package at the top: its pages bring together what the layers below keep
(requests, matching, offers, assignments, initiatives). Each view loads and
authorises its object with the one loader of that object, calls one rule, and
renders a page or the block htmx asked for.
"""


def routed_blueprints():
    """The desk's blueprints, with the routes of every module that adds to them."""
    from ki_match.desk import (  # noqa: F401  (importing a module adds its routes)
        checks_pages,
        course_pages,
        day_before_actions,
        helper_pages,
        managed_pages,
        managed_privacy,
        offer_actions,
        on_behalf,
        pool_import,
        request_changes,
        request_form,
        request_list,
        request_page,
        series_approval,
        series_pages,
        signoff_actions,
        task_pages,
    )
    from ki_match.desk.blueprints import courses, helpers, requests, series

    return helpers, requests, courses, series
