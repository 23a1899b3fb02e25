"""Reports for the KI: demand, fill rate, hours, expense allowance and unmet languages."""
