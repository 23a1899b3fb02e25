"""Assignments in the helper's own calendar: .ics downloads and a private feed."""
