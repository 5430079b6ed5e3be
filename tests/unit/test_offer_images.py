"""An offer's image is checked by its content, and stored resized, upright and stripped."""

import io
import struct
import time
import zlib

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from market.offers.images import (
    MAX_PIXELS,
    CheckedImage,
    ImageRefused,
    check_image,
    delete_image,
    image_path,
    store_image,
)

MAX_BYTES = 8 * 1024 * 1024
NOT_AN_IMAGE = "Ce fichier n'est pas une image JPEG, PNG ou WebP."
MARKUP = "SVG et les pages HTML ne sont pas acceptées"
TOO_MANY_PIXELS = "trop grande en pixels (au plus 40 mégapixels)"


def encoded(image_format: str, size=(64, 48), mode="RGB", colour=(200, 30, 30), **params):
    """Return an image of one colour, encoded in memory."""
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, image_format, **params)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """Return a PNG that declares a size but holds no pixels: only its header can be read."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


def refusal(data: bytes, **limits) -> str:
    """Return the message check_image refuses ``data`` with."""
    limits.setdefault("max_bytes", MAX_BYTES)
    with pytest.raises(ImageRefused) as refused:
        check_image(data, **limits)
    assert refused.value.message == str(refused.value)
    return refused.value.message


def opened(path):
    """Return the stored image at ``path``, decoded."""
    image = Image.open(path)
    image.load()
    return image


@pytest.fixture(scope="module")
def fifty_megapixels():
    # Mode "1" keeps the bitmap at 6 MB and its PNG at 6 KB; it is made once for the module.
    out = io.BytesIO()
    Image.new("1", (7100, 7100)).save(out, "PNG")
    return out.getvalue()


def test_the_messages_translate_outside_an_application_context():
    assert refusal(b"") == "Le fichier est vide."


@pytest.mark.parametrize("data", [
    b"Just some text, named photo.jpg by its sender.\n",
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    b"\xff\xd8\xff",
    b"RIFF\x10\x00\x00\x00WEBPVP8 ",
])
def test_a_file_that_is_no_image_is_refused_whatever_its_name(data):
    assert refusal(data) == NOT_AN_IMAGE


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_an_image_of_another_format_is_refused(image_format):
    assert refusal(encoded(image_format, size=(32, 32))) == NOT_AN_IMAGE


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
    b"</svg>",
    b'\xef\xbb\xbf \n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"<!-- drawn by hand -->\n<svg/>",
    "<svg onload='alert(1)'/>".encode("utf-16"),
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b"  <HTML><img src=x onerror=alert(1)></HTML>",
    b"GIF89a" + b"\x00" * 40 + b"<html><script>alert(1)</script>",
    b"<body onload='alert(1)'>",
    b'<?xml version="1.0"?><x:page xmlns:x="http://www.w3.org/1999/xhtml"/>',
])
def test_svg_and_html_are_refused_as_such(data):
    message = refusal(data)
    assert MARKUP in message and "JPEG, PNG ou WebP" in message


def test_a_fifty_megapixel_image_is_refused_from_its_header(fifty_megapixels, monkeypatch):
    def no_decoding(*args, **kwargs):
        raise AssertionError("the image was decoded")
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(PngImagePlugin.PngImageFile, "verify", no_decoding)
    started = time.perf_counter()
    message = refusal(fifty_megapixels)
    assert time.perf_counter() - started < 0.5
    assert MAX_PIXELS == 40_000_000
    assert message == "L'image est trop grande en pixels (au plus 40 mégapixels)."


@pytest.mark.parametrize("width, height", [(6400, 6400), (10_000, 10_000), (20_000, 20_000)])
def test_an_image_declaring_too_many_pixels_is_refused_before_pillows_own_bomb_check(
        width, height):
    # 10000x10000 is past Pillow's warning, 20000x20000 past its error: both are a refusal.
    assert TOO_MANY_PIXELS in refusal(png_header(width, height))


def test_the_pixel_limit_can_be_lowered():
    assert "au plus 0.001 mégapixels" in refusal(encoded("PNG", size=(40, 40)), max_pixels=1000)
    assert check_image(encoded("PNG", size=(40, 25)), max_bytes=MAX_BYTES, max_pixels=1000)


def test_a_truncated_jpeg_is_refused():
    whole = encoded("JPEG", size=(400, 300), quality=95)
    assert refusal(whole[: len(whole) // 2]) == NOT_AN_IMAGE


def test_a_png_with_a_corrupt_chunk_is_refused():
    data = bytearray(encoded("PNG", size=(64, 64)))
    data[50] ^= 0xFF  # inside the IDAT chunk: its CRC no longer matches
    assert refusal(bytes(data)) == NOT_AN_IMAGE


def test_bytes_over_the_size_limit_are_refused():
    data = encoded("PNG", size=(64, 64))
    assert refusal(data, max_bytes=len(data) - 1) == "L'image dépasse la taille maximale de 0 Mo."
    assert refusal(b"x" * (MAX_BYTES + 1)) == "L'image dépasse la taille maximale de 8 Mo."
    assert check_image(data, max_bytes=len(data)).format == "PNG"


@pytest.mark.parametrize("image_format, mode, colour", [
    ("JPEG", "RGB", (10, 120, 200)),
    ("PNG", "RGBA", (10, 120, 200, 128)),
    ("PNG", "P", 3),
    ("WEBP", "RGB", (10, 120, 200)),
])
def test_jpeg_png_and_webp_are_accepted(image_format, mode, colour):
    data = encoded(image_format, size=(300, 200), mode=mode, colour=colour)
    assert check_image(data, max_bytes=MAX_BYTES) == CheckedImage(image_format, 300, 200)


def test_a_png_keeps_its_transparency_and_a_jpeg_becomes_rgb(tmp_path):
    png = store_image(encoded("PNG", mode="RGBA", colour=(0, 0, 255, 0)), tmp_path,
                      max_bytes=MAX_BYTES)
    jpeg = store_image(encoded("JPEG", mode="CMYK", colour=(0, 0, 0, 0)), tmp_path,
                       max_bytes=MAX_BYTES)
    for size in ("display", "thumb"):
        stored_png = opened(image_path(tmp_path, png.key, size))
        assert stored_png.format == "WEBP" and stored_png.mode == "RGBA"
        assert stored_png.getpixel((0, 0))[3] == 0
        assert opened(image_path(tmp_path, jpeg.key, size)).mode == "RGB"


def test_a_large_image_is_stored_within_1600_and_its_thumbnail_within_400(tmp_path):
    stored = store_image(encoded("JPEG", size=(3200, 1800)), tmp_path, max_bytes=MAX_BYTES)
    assert (stored.width, stored.height) == (1600, 900)
    assert (stored.thumb_width, stored.thumb_height) == (400, 225)
    assert opened(image_path(tmp_path, stored.key, "display")).size == (1600, 900)
    assert opened(image_path(tmp_path, stored.key, "thumb")).size == (400, 225)


def test_a_big_jpeg_decoded_at_a_reduced_scale_still_fills_the_display_size(tmp_path):
    # 4000x3400 decodes at half scale (2000x1700), then is resized to fit 1600.
    stored = store_image(encoded("JPEG", size=(4000, 3400)), tmp_path, max_bytes=MAX_BYTES)
    assert (stored.width, stored.height, stored.thumb_width, stored.thumb_height) == (
        1600, 1360, 400, 340)


def test_a_small_image_is_never_enlarged(tmp_path):
    stored = store_image(encoded("WEBP", size=(120, 90)), tmp_path, max_bytes=MAX_BYTES)
    assert (stored.width, stored.height, stored.thumb_width, stored.thumb_height) == (
        120, 90, 120, 90)
    assert opened(image_path(tmp_path, stored.key, "display")).size == (120, 90)


def test_the_exif_orientation_is_applied_and_no_metadata_survives(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display.
    exif[0x010F] = "Camera maker"
    exif[0x8825] = {2: (48.0, 51.0, 24.0), 1: "N"}  # GPS latitude
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    image.paste((0, 0, 255), (0, 0, 100, 100))  # blue on the left, red on the right
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    assert Image.open(io.BytesIO(out.getvalue())).getexif()[0x0112] == 6

    stored = store_image(out.getvalue(), tmp_path, max_bytes=MAX_BYTES)

    assert (stored.width, stored.height) == (100, 200)
    for size in ("display", "thumb"):
        path = image_path(tmp_path, stored.key, size)
        result = opened(path)
        assert result.size[0] < result.size[1]
        assert not result.getexif() and "exif" not in result.info and "xmp" not in result.info
        assert "icc_profile" not in result.info
        raw = path.read_bytes()
        assert b"EXIF" not in raw and b"Exif" not in raw and b"Camera maker" not in raw
    # Rotated clockwise, the left (blue) half is now on top.
    top = opened(image_path(tmp_path, stored.key, "display")).getpixel((50, 20))
    assert top[2] > 200 and top[0] < 60


def test_stored_names_are_random_keys_that_never_contain_the_input_name(tmp_path):
    directory = tmp_path / "uploads" / "offers"
    data = encoded("PNG") + b"holiday-photo.png"  # a trailing name, ignored by Pillow
    first = store_image(data, directory, max_bytes=MAX_BYTES)
    second = store_image(data, directory, max_bytes=MAX_BYTES)
    assert first.key != second.key and len(first.key) == 24
    names = sorted(p.name for p in directory.iterdir())
    assert names == sorted(f"{s.key}-{size}.webp" for s in (first, second)
                           for size in ("display", "thumb"))
    assert not any("holiday" in name for name in names)


def test_a_refused_upload_leaves_no_file_behind(tmp_path):
    with pytest.raises(ImageRefused):
        store_image(encoded("GIF"), tmp_path / "uploads", max_bytes=MAX_BYTES)
    assert not (tmp_path / "uploads").exists()
    store_image(encoded("PNG"), tmp_path, max_bytes=MAX_BYTES)
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


@pytest.mark.parametrize("key", [
    "../etc/passwd", "../../../../etc/passwd", "/etc/passwd", "..", "",
    "short", "a" * 65, "abcdefghijklmnop\n", "abcdefghijklmnop/../x",
    "abcdefghijklmnop.webp", "abcdéfghijklmnopq", "abcdefghijklmnop\x00", None,
])
def test_image_path_refuses_any_key_store_image_could_not_have_made(tmp_path, key):
    with pytest.raises(FileNotFoundError):
        image_path(tmp_path, key, "display")
    with pytest.raises(FileNotFoundError):
        delete_image(tmp_path, key)


def test_image_path_refuses_an_unknown_size(tmp_path):
    with pytest.raises(ValueError):
        image_path(tmp_path, "a" * 24, "original")


def test_delete_image_removes_both_files_and_ignores_missing_ones(tmp_path):
    stored = store_image(encoded("JPEG"), tmp_path, max_bytes=MAX_BYTES)
    image_path(tmp_path, stored.key, "thumb").unlink()
    delete_image(tmp_path, stored.key)
    assert list(tmp_path.iterdir()) == []
    delete_image(tmp_path, stored.key)
