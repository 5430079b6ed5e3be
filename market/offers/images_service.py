"""Offer image use cases: add (checked, resized, stored) and remove, up to MAX_IMAGES.

Files follow the transaction: an image's files are written when it is added and deleted if
the transaction does not commit; a removed image's files are deleted only once it has.
"""

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from market.offers import images
from market.offers.models import MAX_IMAGES, Offer, OfferImage
from market.offers.present import image_urls
from market.web.errors import NotFound, ValidationError


def upload_dir(config) -> Path:
    """Where images are stored: UPLOAD_DIR, or the instance folder's uploads."""
    from market.platform.config import INSTANCE

    return Path(config.get("UPLOAD_DIR") or INSTANCE / "uploads") / "offers"


def add_image(session, offer: Offer, data: bytes, alt: str, config) -> OfferImage:
    """Check and store an image, then attach it to ``offer``; flush, no commit."""
    if len(offer.images) >= MAX_IMAGES:
        raise ValidationError({"image": [_("Une offre montre au plus %(n)s images.",
                                           n=MAX_IMAGES)]})
    alt = alt.strip()[:200]
    if any(ord(c) < 32 for c in alt):
        raise ValidationError({"alt": [_("Caractères de contrôle interdits.")]})
    try:
        stored = images.store_image(data, upload_dir(config),
                                    max_bytes=config["UPLOAD_MAX_MB"] * 1024 * 1024)
    except images.ImageRefused as refused:
        raise ValidationError({"image": [refused.message]}) from None
    pending(session)["written"].append((upload_dir(config), stored.key))
    image = OfferImage(key=stored.key, width=stored.width, height=stored.height,
                       position=len(offer.images), alt=alt or offer.title[:200])
    offer.images.append(image)
    offer.has_images = True
    session.flush()
    return image


def remove_image(session, offer: Offer, image_id: int, config) -> None:
    """Detach and delete one image of ``offer`` (NotFound if it is not one of its own)."""
    image = next((i for i in offer.images if i.id == image_id), None)
    if image is None:
        raise NotFound(_("Image introuvable."))
    offer.images.remove(image)
    for position, kept in enumerate(offer.images):
        kept.position = position
    offer.has_images = bool(offer.images)
    session.flush()
    pending(session)["removed"].append((upload_dir(config), image.key))


#: session.info's key for the image files of the transaction under way.
PENDING = "offer_image_files"


def pending(session) -> dict[str, list[tuple[Path, str]]]:
    """The files the session's transaction wrote and the ones it will delete on commit."""
    return session.info.setdefault(PENDING, {"written": [], "removed": []})


@event.listens_for(Session, "after_commit")
def _delete_removed(session) -> None:
    for directory, key in session.info.pop(PENDING, {}).get("removed", []):
        images.delete_image(directory, key)


@event.listens_for(Session, "after_transaction_end")
def _delete_uncommitted(session, transaction) -> None:
    # Still here once the outermost transaction ends: it rolled back or was closed unfinished.
    if transaction.parent is None:
        for directory, key in session.info.pop(PENDING, {}).get("written", []):
            images.delete_image(directory, key)


def image_data(image: OfferImage) -> dict:
    return {"id": image.id, "key": image.key, "alt": image.alt, "width": image.width,
            "height": image.height, **image_urls(image)}
