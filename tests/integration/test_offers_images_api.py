"""Offer images through the JSON API, and image files that follow the transaction."""

import io

import pytest
from PIL import Image

from market.offers import images_service
from market.offers.models import Offer
from tests.integration.db_writes import nothing_written
from tests.integration.offers_factories import make_offer, make_trader


def png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 80, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads" / "offers"


def stored(upload_dir) -> list[str]:
    return sorted(p.name for p in upload_dir.iterdir()) if upload_dir.exists() else []


@pytest.fixture
def seller(db):
    return make_trader(db, 1, "Menuiserie du Labourd")


@pytest.fixture
def offer(db, seller) -> int:
    return make_offer(db, seller).id


def add(client, seller, offer_id, content: bytes, alt="Planches empilées"):
    return client.post(f"/api/v1/offers/{offer_id}/images", headers=seller.headers,
                       data={"image": (io.BytesIO(content), "photo.png"), "alt": alt},
                       content_type="multipart/form-data")


def test_an_image_added_is_stored_in_two_sizes_and_served(client, seller, offer, upload_dir):
    response = add(client, seller, offer, png((2400, 1200)))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["width"], body["height"]) == (1600, 800)
    assert body["alt"] == "Planches empilées"
    assert len(stored(upload_dir)) == 2
    served = client.get(body["thumb_url"])
    assert served.status_code == 200 and served.mimetype == "image/webp"
    with Image.open(io.BytesIO(served.data)) as thumb:
        assert thumb.size == (400, 200)
    served.close()
    assert [i["id"] for i in client.get(f"/api/v1/offers/{offer}").json["images"]] == [
        body["id"]]


def test_a_file_that_is_not_an_image_is_refused_and_nothing_stays(client, db, seller, offer,
                                                                  upload_dir):
    with nothing_written(db):
        response = add(client, seller, offer, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert response.status_code == 422 and "image" in response.json["error"]["details"]["fields"]
    assert stored(upload_dir) == []


def test_an_image_removed_leaves_the_offer_and_the_disk(client, db, seller, offer, upload_dir):
    image = add(client, seller, offer, png()).json
    response = client.delete(f"/api/v1/offers/{offer}/images/{image['id']}",
                             headers=seller.headers)
    assert response.status_code == 204
    assert stored(upload_dir) == []
    assert client.get(f"/api/v1/offers/{offer}").json["images"] == []
    again = client.delete(f"/api/v1/offers/{offer}/images/{image['id']}",
                          headers=seller.headers)
    assert again.status_code == 404


def test_another_members_offer_images_are_out_of_reach(client, db, seller, offer, upload_dir):
    image = add(client, seller, offer, png()).json
    intruder = make_trader(db, 2, "Jardins de l'Adour")
    with nothing_written(db):
        added = add(client, intruder, offer, png())
        removed = client.delete(f"/api/v1/offers/{offer}/images/{image['id']}",
                                headers=intruder.headers)
    missing = client.delete("/api/v1/offers/999999/images/1", headers=intruder.headers)
    assert added.status_code == removed.status_code == missing.status_code == 404
    assert added.json == removed.json == missing.json
    assert len(stored(upload_dir)) == 2


def test_files_follow_the_transaction(app, db, seller, offer, upload_dir):
    # Added then rolled back: the files go. Removed then rolled back: they stay.
    target = db.session.get(Offer, offer)
    images_service.add_image(db.session, target, png(), "", app.config)
    assert len(stored(upload_dir)) == 2
    db.session.rollback()
    assert stored(upload_dir) == []
    target = db.session.get(Offer, offer)
    kept = images_service.add_image(db.session, target, png(), "", app.config)
    db.session.commit()
    images_service.remove_image(db.session, db.session.get(Offer, offer), kept.id, app.config)
    db.session.rollback()
    assert len(stored(upload_dir)) == 2  # the removal did not happen: its files stay
    images_service.remove_image(db.session, db.session.get(Offer, offer), kept.id, app.config)
    assert len(stored(upload_dir)) == 2  # not before the commit
    db.session.commit()
    assert stored(upload_dir) == []


def test_files_of_a_transaction_left_unfinished_go_when_the_session_closes(app, db, seller,
                                                                          offer, upload_dir):
    images_service.add_image(db.session, db.session.get(Offer, offer), png(), "", app.config)
    db.session.remove()  # the request ended on an error before any commit or rollback
    assert stored(upload_dir) == []
