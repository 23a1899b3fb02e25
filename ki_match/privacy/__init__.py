"""The helper's own data under the GDPR: what is stored, a download of it, and erasure."""
