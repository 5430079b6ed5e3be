"""Check an offer's uploaded image by its content and store it, stripped, as WebP.

Pure functions over bytes and a directory: no database, no request. The stored name is a
random key, never the upload's name, and `image_path` accepts nothing else as a key.
"""

import io
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageOps

#: Above this many pixels an image is refused from its header, before it is decoded: a
#: 40-megapixel RGBA bitmap already takes 160 MB of memory in a worker.
MAX_PIXELS = 40_000_000
DISPLAY_SIZE = (1600, 1600)
THUMB_SIZE = (400, 400)
SIZES = ("display", "thumb")
MEGABYTE = 1024 * 1024
# Pillow's names; MPO is what it calls a JPEG carrying a second picture (many phones do).
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
_FORMAT_NAMES = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# No accepted format starts with "<"; these words betray markup a browser could run even
# further in (a polyglot whose first bytes are not markup).
_MARKUP_WORDS = (b"<svg", b"<html", b"<script", b"<!doctype html")


class ImageRefused(ValueError):
    """An upload that is not an acceptable image, with a message for its sender."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedImage:
    format: str
    width: int
    height: int


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int
    thumb_width: int
    thumb_height: int


def check_image(data: bytes, *, max_bytes: int, max_pixels: int = MAX_PIXELS) -> CheckedImage:
    """Return the format and size of an acceptable image; raise ImageRefused otherwise."""
    if not data:
        raise ImageRefused(_("Le fichier est vide."))
    if len(data) > max_bytes:
        raise ImageRefused(_("L'image dépasse la taille maximale de %(mb)s Mo.",
                             mb=_megabytes(max_bytes)))
    if _looks_like_markup(data):
        raise ImageRefused(_("Les images SVG et les pages HTML ne sont pas acceptées : "
                             "envoyez une image JPEG, PNG ou WebP."))
    not_an_image = _("Ce fichier n'est pas une image JPEG, PNG ou WebP.")
    too_many_pixels = _("L'image est trop grande en pixels (au plus %(mp)s mégapixels).",
                        mp=f"{max_pixels / 1_000_000:g}")
    try:
        # Only the accepted formats' parsers ever see the bytes; open() reads the header.
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            image_format, (width, height) = _FORMAT_NAMES.get(image.format), image.size
            if image_format is None:
                raise ImageRefused(not_an_image)
            if width * height > max_pixels:
                raise ImageRefused(too_many_pixels)
            image.verify()
        # verify() leaves the image unusable and misses truncated pixel data: decode too.
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
            image.load()
    except ImageRefused:
        raise
    # Past Pillow's own limit it warns (an error under `-W error`), then raises.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(too_many_pixels) from None
    # A parser fed hostile bytes may fail in any way (OSError, SyntaxError, struct.error...).
    except Exception:
        raise ImageRefused(not_an_image) from None
    return CheckedImage(format=image_format, width=width, height=height)


def store_image(data: bytes, directory: Path, *, max_bytes: int) -> StoredImage:
    """Check an upload, then write its display size and thumbnail as WebP under a new key."""
    checked = check_image(data, max_bytes=max_bytes)
    with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as original:
        # A JPEG decodes at 1/2, 1/4 or 1/8 scale when still larger than the display size:
        # a quarter of the memory for a big photo, and no visible loss once resized.
        original.draft(None, DISPLAY_SIZE)
        upright = ImageOps.exif_transpose(original)
    keep_alpha = checked.format in ("PNG", "WEBP") and _has_alpha(upright)
    display = _to_rgb(upright, keep_alpha)
    display.thumbnail(DISPLAY_SIZE, Image.Resampling.LANCZOS)
    display = _pixels_only(display)
    thumb = display.copy()
    thumb.thumbnail(THUMB_SIZE, Image.Resampling.LANCZOS)
    key = secrets.token_urlsafe(18)
    directory.mkdir(parents=True, exist_ok=True)
    _write_atomically(display, image_path(directory, key, "display"))
    try:
        _write_atomically(thumb, image_path(directory, key, "thumb"))
    except BaseException:
        image_path(directory, key, "display").unlink(missing_ok=True)
        raise
    return StoredImage(key=key, width=display.width, height=display.height,
                       thumb_width=thumb.width, thumb_height=thumb.height)


def image_path(directory: Path, key: str, size: str) -> Path:
    """Return where one size of a stored image lives; refuse any key not made by store_image."""
    if size not in SIZES:
        raise ValueError(f"unknown image size: {size!r}")
    # fullmatch: with `$`, a key ending in a newline would pass.
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise FileNotFoundError(f"no image has the key {key!r}")
    return directory / f"{key}-{size}.webp"


def delete_image(directory: Path, key: str) -> None:
    """Remove both sizes of a stored image, if they are there."""
    for size in SIZES:
        image_path(directory, key, size).unlink(missing_ok=True)


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / MEGABYTE:.1f}".removesuffix(".0")


def _looks_like_markup(data: bytes) -> bool:
    # Drop UTF-16's NULs too, so "<\0s\0v\0g\0" is seen for what it is.
    head = data[:1024].replace(b"\x00", b"")
    for bom in _BOMS:
        head = head.removeprefix(bom)
    head = head.lstrip().lower()
    return head.startswith(b"<") or any(word in head for word in _MARKUP_WORDS)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _to_rgb(image: Image.Image, keep_alpha: bool) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Converting 16-bit grey straight to RGB clips it to white: scale it to 8 bits first.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    return image.convert("RGBA" if keep_alpha else "RGB")


def _pixels_only(image: Image.Image) -> Image.Image:
    """Return a copy holding the pixels alone: no EXIF, GPS, XMP or ICC profile to leak."""
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _write_atomically(image: Image.Image, path: Path) -> None:
    # A reader never sees half a file: write beside it, then rename over it in one step.
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            image.save(f, format="WEBP", quality=85, method=4, exif=b"", xmp=b"")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
