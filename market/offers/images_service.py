"""Offer image use cases: add (checked, resized, stored) and remove, up to MAX_IMAGES."""

from pathlib import Path

from flask_babel import gettext as _

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
    images.delete_image(upload_dir(config), image.key)


def image_data(image: OfferImage) -> dict:
    return {"id": image.id, "key": image.key, "alt": image.alt, "width": image.width,
            "height": image.height, **image_urls(image)}
