"""The helper's own profile: overview, guided set-up, languages, where, when, topics, consent."""
