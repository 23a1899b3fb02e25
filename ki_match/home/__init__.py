"""The shell every page shares: the start page of each role, and the navigation with its counts.

At the top of the house, because a start page shows a little of everything
(offers waiting, requests needing attention, reports to approve).
"""
