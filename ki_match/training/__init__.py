"""Training courses (Qualifizierung): a KI's courses with their modules and dates, helpers' sign-ups
with a waiting list, and attendance that completes a helper's qualification."""
