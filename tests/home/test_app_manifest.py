"""The web app manifest: the app can be added to a phone's home screen and opens without browser
chrome, with icons served by the app itself."""

from __future__ import annotations

import json
import struct
from urllib.parse import urljoin

MANIFEST = "/static/manifest.webmanifest"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_every_page_links_the_manifest(client):
    html = client.get("/login").get_data(as_text=True)
    assert f'<link rel="manifest" href="{MANIFEST}">' in html
    assert '<meta name="theme-color" content="#0b5a7a">' in html


def test_the_manifest_opens_the_app_standalone_with_its_own_icons(client):
    response = client.get(MANIFEST)
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"] and manifest["theme_color"].startswith("#")
    purposes = set()
    for icon in manifest["icons"]:
        url = urljoin(MANIFEST, icon["src"])
        assert url.startswith("/static/"), url  # no other host
        served = client.get(url)
        assert served.status_code == 200, url
        if icon["type"] == "image/png":
            width, height = _png_size(served.get_data())
            assert icon["sizes"] == f"{width}x{height}", url
            purposes.add((icon["purpose"], width))
        served.close()
    assert {("any", 192), ("any", 512), ("maskable", 512)} <= purposes


def test_the_home_screen_icon_for_ios_is_there(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png"' in html
    assert _png_size(client.get("/static/icons/apple-touch-icon.png").get_data()) == (180, 180)
