"""Pictures built with Pillow for the image tests, carrying the metadata phones and editors
write: EXIF with a GPS position and an orientation, XMP, comments, IPTC, PNG text chunks, an
ICC profile; and animated GIF/WEBP. Also ``image_row``: a ``kbot_images`` row to write
straight to the table."""

from __future__ import annotations

import io
import struct
from datetime import datetime

from PIL import Image, ImageCms, PngImagePlugin

from storage import kbot_models

SECRET = b"SECRET-LOCATION"  # in every metadata field, so its absence is easy to check
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + SECRET + b"</x:xmpmeta>"
GPS_IFD = 0x8825
ORIENTATION = 0x0112
RED, BLUE, GREEN, YELLOW = (220, 20, 20), (20, 20, 220), (20, 200, 20), (230, 220, 20)


def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif(orientation: int = 1) -> bytes:
    """EXIF as a phone writes it: camera, time, GPS position and (unless 1) orientation."""
    info = Image.Exif()
    info[0x010F] = "SecretCam"  # Make
    info[0x0132] = "2026:11:30 09:15:00"  # DateTime
    info[0x010E] = SECRET.decode()  # ImageDescription
    if orientation != 1:
        info[ORIENTATION] = orientation
    gps = info.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (37.0, 33.0, 58.9)
    gps[3], gps[4] = "E", (126.0, 58.0, 40.2)
    return info.tobytes()


def quadrants(size: tuple[int, int] = (64, 32)) -> Image.Image:
    """Red, blue / green, yellow quarters: every turn and flip shows in the pixels."""
    width, height = size
    img = Image.new("RGB", size, RED)
    img.paste(BLUE, (width // 2, 0, width, height // 2))
    img.paste(GREEN, (0, height // 2, width // 2, height))
    img.paste(YELLOW, (width // 2, height // 2, width, height))
    return img


def jpeg_with_metadata(orientation: int = 1, *, progressive: bool = False) -> bytes:
    """A JPEG with JFIF, EXIF (GPS), XMP, ICC, a comment and an IPTC (APP13) block."""
    buf = io.BytesIO()
    quadrants().save(
        buf,
        "JPEG",
        quality=90,
        exif=exif(orientation),
        icc_profile=icc_profile(),
        comment=SECRET,
        xmp=XMP,
        progressive=progressive,
    )
    data = buf.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + struct.pack(">I", len(SECRET)) + SECRET
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    return data[:2] + app13 + data[2:]


def png_with_metadata(orientation: int = 1) -> bytes:
    """A palette PNG with transparency, ICC, tEXt, zTXt, iTXt and eXIf (GPS)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_text("Author", SECRET.decode(), zip=True)
    info.add_itxt("Title", SECRET.decode())
    img = quadrants().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    buf = io.BytesIO()
    img.save(
        buf, "PNG", pnginfo=info, exif=exif(orientation), icc_profile=icc_profile(), transparency=0
    )
    return buf.getvalue()


def webp_with_metadata(orientation: int = 1) -> bytes:
    buf = io.BytesIO()
    quadrants().save(buf, "WEBP", exif=exif(orientation), icc_profile=icc_profile(), xmp=XMP)
    return buf.getvalue()


def animated(fmt: str, frames: int = 3) -> bytes:
    """An animation of ``frames`` differently coloured frames (GIF: with a comment; PNG: with
    EXIF and a tEXt chunk; WEBP: with EXIF and XMP)."""
    pictures = [Image.new("RGB", (20, 20), (60 * i, 200 - 60 * i, 90)) for i in range(frames)]
    extra: dict[str, object] = {"exif": exif(), "xmp": XMP}
    if fmt == "GIF":
        extra = {"comment": SECRET}
    elif fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", SECRET.decode())
        extra = {"exif": exif(), "pnginfo": text}
    buf = io.BytesIO()
    pictures[0].save(
        buf, fmt, save_all=True, append_images=pictures[1:], duration=100, loop=0, **extra
    )
    return buf.getvalue()


def gif_with_xmp(data: bytes) -> bytes:
    """``data`` (a GIF) with an XMP application extension before its trailer."""
    pieces = [XMP[i : i + 255] for i in range(0, len(XMP), 255)]
    blocks = b"".join(bytes([len(piece)]) + piece for piece in pieces)
    return data[:-1] + b"\x21\xff\x0bXMP DataXMP" + blocks + b"\x00" + data[-1:]


def frames(data: bytes) -> list[bytes]:
    """Every frame of an animation, as RGBA pixels."""
    with Image.open(io.BytesIO(data)) as img:
        found = []
        for n in range(getattr(img, "n_frames", 1)):
            img.seek(n)
            found.append(img.convert("RGBA").tobytes())
        return found


def image_row(n: int, org_id: int | None = None) -> kbot_models.Image:
    """Image ``n`` (``img_{n}.jpg``, uploaded 2026-11-25 10:30) owned by ``org_id`` (None: no
    org, as only SQL writes it)."""
    return kbot_models.Image(
        filename=f"img_{n}.jpg",
        original_name=f"사진 {n}.jpg",
        file_path=f"/data/images/img_{n}.jpg",
        file_url=f"http://127.0.0.1:8080/images/img_{n}.jpg",
        file_size=1000 + n,
        mime_type="image/jpeg",
        width=10,
        height=10,
        sha256=f"{n:064d}",
        org_id=org_id,
        upload_date=datetime(2026, 11, 25, 10, 30),
    )
