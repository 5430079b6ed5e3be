"""Every page names its icon, a static file: a browser that finds none asks /favicon.ico,
whose 404 page writes the session cookie again, and that late cookie can undo what the
request beside it changed (the language just chosen)."""

import re


def test_pages_name_a_static_icon_served_without_touching_the_session(client):
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert found, "the page names no icon"
    icon = client.get(found.group(1))
    body = icon.get_data(as_text=True)
    icon.close()
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert body.lstrip().startswith("<svg")
    assert "Set-Cookie" not in icon.headers
