"""Turn the bytes of a mail part or header into text, whatever charset it claims.

Mail in the wild declares charsets that Python does not know (``windows-1257``
spelled oddly, ``x-unknown``), declares one and uses another (GBK labelled
``gb2312``, UTF-8 labelled ``iso-8859-1``), or declares none. `decode_bytes`
always returns text, and says in a problem note when it had to guess:

    >>> decode_bytes("Zażółć".encode("iso-8859-2"), "ISO-8859-2")
    ('Zażółć', None)
    >>> decode_bytes("Zażółć".encode("utf-8"), "x-bogus")
    ('Zażółć', 'charset x-bogus unknown, decoded as utf-8')

Declared charsets are read as their usual superset (GB2312 and GBK as GB18030,
Big5 as Big5-HKSCS, Shift_JIS as cp932, ISO-8859-1 and US-ASCII as
windows-1252), as mail clients and browsers do. NUL bytes are removed.
"""

import codecs
import functools

# Labels mail clients use for a charset whose real content is a superset.
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-user-defined": "cp1252",
}
# ISO-2022-JP as sent by Windows mailers carries half-width katakana and NEC
# extensions; try the stricter codec first, then the wider ones.
ISO_2022_JP_CHAIN = ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3")
DETECTION_SAMPLE_BYTES = 64 * 1024


def normalise_charset(label: str | None) -> str:
    """The lower-case charset label without quotes, spaces or RFC 2231 language ('' if none)."""
    if not label:
        return ""
    label = str(label).strip().strip("\"'").strip().lower()
    return label.split("*", 1)[0][:40]


def codec_for(label: str) -> str | None:
    """The Python codec that reads a declared charset, or None when Python has none."""
    label = normalise_charset(label)
    if not label:
        return None
    label = SUPERSETS.get(label, label)
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    # Codecs that are not charsets (rot13, zlib, base64...) must not be chosen by a header.
    if not _is_text_codec(name):
        return None
    return name


@functools.lru_cache(maxsize=256)
def _is_text_codec(name: str) -> bool:
    try:
        return "a".encode(name).decode(name) == "a"
    except Exception:
        return False


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """Decode `data` read as `declared`; return the text and a problem note if it had to guess."""
    text, problem = _decode(data, declared)
    return text.replace("\x00", ""), problem


def _decode(data: bytes, declared: str | None) -> tuple[str, str | None]:
    label = normalise_charset(declared)
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), None
    if not label or data.isascii() and not label.startswith(("utf-16", "utf-32", "utf-7", "iso-2022")):
        return _decode_undeclared(data, label)
    codec = codec_for(label)
    if codec is None:
        text, used = _guess(data)
        return text, f"charset {label} unknown, decoded as {used}"
    if codec == "iso2022_jp":
        for candidate in ISO_2022_JP_CHAIN:
            text = _strict(data, candidate)
            if text is not None:
                return text, None
        text = _strict(_iso2022jp_to_cp932(data), "cp932")
        if text is not None:
            return text, None
    text = _strict(data, codec)
    if text is not None:
        if _is_single_byte(codec) and not data.isascii():
            utf8 = _strict(data, "utf-8")
            if utf8 is not None:
                return utf8, f"charset {label} declared, the text is utf-8"
        return text, None
    text, used = _guess(data, fallback=codec)
    return text, f"charset {label} does not fit the text, decoded as {used}"


def _decode_undeclared(data: bytes, label: str) -> tuple[str, str | None]:
    if data.isascii():
        return data.decode("ascii"), None
    text = _strict(data, "utf-8")
    if text is not None:
        return text, None
    text, used = _guess(data)
    return text, f"no charset declared, decoded as {used}"


def _iso2022jp_to_cp932(data: bytes) -> bytes:
    """Rewrite ISO-2022-JP as Shift_JIS bytes, to read it as cp932 the way Windows (CP50220) writes it.

    Windows puts NEC and IBM extensions (①, ㈱, Ⅲ) in ISO-2022-JP, which
    Python's strict ISO-2022-JP codecs refuse.
    """
    out = bytearray()
    mode = "ascii"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == 0x1B:
            sequence = data[index + 1 : index + 3]
            mode = {b"$@": "kanji", b"$B": "kanji", b"(I": "kana"}.get(bytes(sequence), "ascii")
            index += 3
            continue
        if byte in (0x0E, 0x0F):  # shift out / in: half-width katakana in CP50221
            mode = "kana" if byte == 0x0E else "ascii"
        elif mode == "kanji" and 0x21 <= byte <= 0x7E and index + 1 < len(data):
            out += _jis_to_sjis(byte, data[index + 1])
            index += 1
        elif mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(byte + 0x80)
        else:
            out.append(byte)
        index += 1
    return bytes(out)


def _jis_to_sjis(first: int, second: int) -> bytes:
    lead = (first + 1) // 2 + 0x70
    lead += 0x40 if lead >= 0xA0 else 0
    if first % 2:
        trail = second + 0x1F + (1 if second >= 0x60 else 0)
    else:
        trail = second + 0x7E
    return bytes((lead, trail & 0xFF))


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        return None


def _is_single_byte(codec: str) -> bool:
    return codec.startswith(("cp12", "iso8859", "latin", "koi8", "mac", "cp874", "cp437", "cp85", "cp86"))


def _guess(data: bytes, fallback: str | None = None) -> tuple[str, str]:
    """Decode bytes of unknown charset: UTF-8, then charset-normalizer's best guess, then a fallback."""
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    detected = _detect(data[:DETECTION_SAMPLE_BYTES])
    if detected:
        return data.decode(detected, "replace"), detected
    codec = fallback or "cp1252"
    return data.decode(codec, "replace"), codec


def _detect(sample: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency, but the chain still works without it
        return None
    try:
        best = from_bytes(sample).best()
    except Exception:
        return None
    if best is None:
        return None
    codec = codec_for(best.encoding)
    return codec
