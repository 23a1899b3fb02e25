"""A helper's money over a year: totals against her tax-free limit, the Ehrenamtskarte, the yearly statement."""
