"""The installation above the KIs: setting a KI up, closing it, and what its operator sees."""
