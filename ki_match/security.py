"""Security headers on every response, and which redirect targets are safe."""

from __future__ import annotations

from flask import Response, current_app, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Pages may show personal data; only static assets may be cached.
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def safe_local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None: no open redirects.

    Browsers read ``/\\host`` as ``//host`` and drop tabs and newlines from URLs,
    and an ``HX-Redirect`` header reaches ``location.href`` unencoded, so a
    leading slash alone does not keep a visitor on this site.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    return target
