"""``flask --app app bench``: a synthetic state-scale data set and the figures measured on it."""
