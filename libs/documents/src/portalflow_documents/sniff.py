"""The content type of a document, told from its first bytes, never from what the client says."""

ACCEPTED = ("application/pdf", "image/jpeg", "image/png", "image/heic", "image/webp")
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def content_type(head: bytes) -> str | None:
    """One of ACCEPTED, or None when the bytes are none of them."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return None
