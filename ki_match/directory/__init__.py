"""The helper directory for initiatives and staff, and the language coverage by town."""
