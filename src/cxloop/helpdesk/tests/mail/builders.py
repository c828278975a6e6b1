"""Raw mails as bytes, written the way mail clients write them, for the parser's tests."""

import base64


def encoded_word(text: str, charset: str, encoding: str = "B") -> str:
    """One RFC 2047 encoded word holding `text` in `charset`."""
    codec = "gb18030" if charset.lower() in ("gb2312", "gbk") else charset
    data = text.encode(codec)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    quoted = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else f"={b:02X}" for b in data)
    return f"=?{charset}?Q?{quoted}?="


def plain_mail(
    body: bytes,
    *,
    charset: str | None = "utf-8",
    subject: str = "Order question",
    sender: str = "Customer <customer@example.com>",
    extra_headers: str = "",
    transfer_encoding: str = "8bit",
) -> bytes:
    """A single-part text/plain mail whose body is the given bytes, as sent."""
    content_type = "text/plain" + (f"; charset={charset}" if charset else "")
    if transfer_encoding == "base64":
        body = base64.encodebytes(body)
    head = (
        f"From: {sender}\r\n"
        "To: support@shop.example\r\n"
        f"Subject: {subject}\r\n"
        "Date: Thu, 03 Dec 2026 10:12:00 +0100\r\n"
        "Message-ID: <m1@example.com>\r\n"
        f"{extra_headers}"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Transfer-Encoding: {transfer_encoding}\r\n\r\n"
    )
    return head.encode("utf-8") + body  # non-ASCII here writes raw 8-bit headers, as some webmails do


def multipart_mail(parts: list[bytes], *, subtype: str = "mixed", extra_headers: str = "") -> bytes:
    """A multipart mail made of already-written parts (each with its own headers)."""
    head = (
        "From: Customer <customer@example.com>\r\n"
        "To: support@shop.example\r\n"
        "Subject: Order question\r\n"
        "Message-ID: <m2@example.com>\r\n"
        f"{extra_headers}"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/{subtype}; boundary="BOUNDARY"\r\n\r\n'
    ).encode("ascii")
    body = b"".join(b"--BOUNDARY\r\n" + part + b"\r\n" for part in parts)
    return head + body + b"--BOUNDARY--\r\n"


def part(headers: str, body: bytes) -> bytes:
    """A MIME part: header lines (joined by CRLF), a blank line, the body."""
    return headers.strip().replace("\n", "\r\n").encode("utf-8") + b"\r\n\r\n" + body


def attachment(filename_header: str, content: bytes, content_type: str = "application/octet-stream") -> bytes:
    """A base64 attachment part with the given Content-Disposition filename parameter(s)."""
    return part(
        f"Content-Type: {content_type}\n"
        f"Content-Disposition: attachment; {filename_header}\n"
        "Content-Transfer-Encoding: base64",
        base64.encodebytes(content),
    )
