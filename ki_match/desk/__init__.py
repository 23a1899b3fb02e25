"""The coordinator's desk: the requests (list, form, the request page and everything done on it)
and the helpers (list, one helper's record, approval, activation).

A package at the top: its pages bring together what the layers below keep
(requests, matching, offers, assignments, initiatives). Each view loads and
authorises its object with the one loader of that object, calls one rule, and
renders a page or the block htmx asked for.
"""
