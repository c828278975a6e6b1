"""Files for tests of attachments: real first bytes of each type, uploads of them, and mail carrying them."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"\xef\xbb\xbf\n<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode."


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def mail_with_pdfs(n: int, files: int = 1) -> bytes:
    """Mail number `n` from ania<n>@example.pl to the test store, with `files` small PDFs attached."""
    parts = "".join(
        "--B\r\nContent-Type: application/pdf\r\n"
        f'Content-Disposition: attachment; filename="faktura-{n}-{i}.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        for i in range(files)
    )
    return (
        f"From: Ania <ania{n}@example.pl>\r\nTo: sklep-ania@in.cxloop.localhost\r\nSubject: Faktura {n}\r\n"
        f"Message-ID: <r{n}@example.pl>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        f"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFaktura w załączniku.\r\n{parts}--B--\r\n"
    ).encode()
