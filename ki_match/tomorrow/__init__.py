"""The day-before check "Kommen Sie morgen?": the question's row, its rules, its answer links and pages."""
