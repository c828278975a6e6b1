"""Split what a customer just wrote from the quoted history and signature below it.

Replies carry the whole thread under them. `split_reply` finds where the
history starts (the first of: a reply header such as "On ... wrote:", an
Outlook "From: / Sent:" block or "-----Original Message-----" line, a
trailing block of "> " lines) and where a signature starts ("-- ", "Sent
from my iPhone"), in the forms mail clients write in English, Polish,
Latvian, Persian, Chinese (Simplified and Traditional) and German:

    >>> split_reply("Still waiting.\\n\\nW dniu 3.12.2026 o 10:12, Sklep pisze:\\n> Dziękujemy")
    ('Still waiting.', 'W dniu 3.12.2026 o 10:12, Sklep pisze:\\n> Dziękujemy')

A mail made only of quotes (a bare forward) keeps its whole text as the
reply, so the customer's message is never empty. Quotes written between
the customer's own lines (inline answers) stay in the reply.
"""

import re

# Direction marks that right-to-left mail clients put around dates and names.
INVISIBLE = dict.fromkeys(
    map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
)
HEADER_LOOKAHEAD = 3  # Gmail wraps a long "On ... wrote:" line over up to three lines

# A reply header: "On <date>, <name> wrote:" and its translations, ending the (joined) line.
REPLY_HEADER = re.compile(
    r"^("
    r"on\b.{4,300}\bwrote\s*:"  # English: Gmail, Apple Mail, Thunderbird
    r"|.{0,300}\bwrote\s*:"  # "John Smith wrote:" (Thunderbird, mailing lists)
    r"|w dniu\b.{4,300}\b(pisze|napisał\(a\)|napisał|napisała)\s*:"  # Polish
    r"|.{4,300}\b(napisał\(a\)|napisał|napisała|pisze)\s*:"  # Polish, name first
    r"|.{4,300}\bнаписал(а|\(а\))?\s*:"  # Russian
    r"|.{4,300}\braksti(ja|jis|jusi)\s*:"  # Latvian: "... lietotājs X rakstīja:" (ī folded below)
    r"|.{4,300}نوشت(ه است)?\s*[:：]"  # Persian: "... نوشت:"
    r"|(在|於|于)?.{2,300}(写道|寫道)\s*[:：]"  # Chinese, Simplified and Traditional
    r"|am\b.{4,300}\bschrieb\b.{0,300}:"  # German
    r"|.{4,300}\bschrieb\s*:"
    r"|le\b.{4,300}\ba écrit\s*:"  # French
    r")\s*$",
    re.IGNORECASE,
)
# How a reply header opens when it is dated first ("On ...", "W dniu ...", "在 ...").
HEADER_OPENING = re.compile(r"^(on|w dniu|在|於|于|am|le|در)\b", re.IGNORECASE)
# "-----Original Message-----" and its translations, or any "----- Words -----" separator.
SEPARATOR = re.compile(
    r"^\s*(-{2,}|_{5,}|={5,})\s*("
    r"original message|forwarded message|oryginalna wiadomość|wiadomość oryginalna|"
    r"przekazana wiadomość|sākotnējais ziņojums|sākotnējā ziņa|pārsūtīts ziņojums|پیام اصلی|"
    r"原始邮件|原始郵件|原邮件|原郵件|原始信件|转发的邮件|轉寄的郵件|ursprüngliche nachricht|"
    r"weitergeleitete nachricht|[^-\s][^-]{0,40}"
    r")\s*(-{2,}|_{5,}|={5,})\s*$",
    re.IGNORECASE,
)
UNDERSCORE_RULE = re.compile(r"^\s*_{20,}\s*$")  # Outlook's rule above its "From:" block
APPLE_FORWARD = re.compile(r"^\s*(begin forwarded message|początek przekazywanej wiadomości)\s*:\s*$", re.I)
# The first line of an Outlook / QQ / Foxmail header block, and the lines that must follow it.
FROM_LABEL = re.compile(
    r"^\s*\*?\s*(from|od|no|از|发件人|發件人|寄件者|寄件人|von|de)\s*\*?\s*[:：]", re.IGNORECASE
)
BLOCK_LABEL = re.compile(
    r"^\s*\*?\s*(sent|date|to|subject|cc|wysłano|wysłane|data|do|temat|nosūtīts|nosūtīt|datums|kam|"
    r"tēma|ارسال شده|ارسال|تاریخ|به|موضوع|发送时间|發送時間|时间|時間|日期|收件人|收件者|主题|主題|主旨|"
    r"寄件日期|抄送|gesendet|datum|an|betreff|envoyé|à|objet)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
# Older Outlook writes the whole block on one line: "From: X Sent: Y To: Z Subject: W".
INLINE_SENT_LABEL = re.compile(
    r"\s(sent|wysłano|nosūtīts|ارسال شده|发送时间|發送時間|寄件日期|gesendet)\s*[:：]", re.IGNORECASE
)
SIGNATURE = re.compile(r"^(--|-- |—|__)\s*$")
MOBILE_SIGNATURE = re.compile(
    r"^\s*("
    r"sent from my (iphone|ipad|android|mobile|phone|smartphone|tablet|blackberry|samsung|galaxy|huawei|"
    r"xiaomi|pixel|oneplus)[\w .'-]{0,30}|sent from (mail|outlook|yahoo mail|gmail) for \w+|"
    r"get outlook for (ios|android)|sent from samsung mobile|"
    r"wysłane z (mojego )?(iphone'?a|ipada|telefonu|smartfona|aplikacji|samsunga|urządzenia).*|"
    r"wysłano z (mojego )?(iphone'?a|ipada|telefonu|smartfona|aplikacji|urządzenia).*|"
    r"pobierz aplikację outlook.*|"
    r"(nosūtīts|sūtīts) (no|ar) (mana|manas|mans) .{1,30}|"
    r"ارسال (شده )?(از|با) (iphone|آیفون|گوشی|اندروید).{0,30}|"
    r"发自我的.{1,20}|發自我的.{1,20}|寄自我的.{1,20}|从我的.{1,20}发送|從我的.{1,20}傳送|"
    r"来自我的.{1,20}|發送自我的.{1,20}|"
    r"von meinem \w+ gesendet.*|gesendet von meinem \w+.*|"
    r"(iphone|ipad|android|mobile)\s?から送信|отправлено с (iphone|моего .{1,20}|мобильного .{1,20})"
    r")\s*$",
    re.IGNORECASE,
)


def split_reply(text: str) -> tuple[str, str]:
    """(what the customer wrote, the quoted history and signature below it).

    The reply is never empty for a mail with text: all-quoted text is kept whole.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = min(_history_start(lines), _trailing_quote_start(lines), _signature_start(lines))
    reply = "\n".join(lines[:cut]).strip()
    if not reply:
        return "\n".join(lines).strip(), ""
    return reply, "\n".join(lines[cut:]).strip()


def _folded(line: str) -> str:
    return line.translate(INVISIBLE).replace("ī", "i").strip()


def _history_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        folded = _folded(line)
        if not folded or folded.startswith(">"):
            continue
        if SEPARATOR.match(folded) or APPLE_FORWARD.match(folded) or _is_header_block(lines, index):
            return index
        if UNDERSCORE_RULE.match(folded) and _is_header_block(lines, index + 1):
            return index
        if folded.endswith((":", "：")):
            start = _reply_header_start(lines, index)
            if start is not None:
                return start
    return len(lines)


def _reply_header_start(lines: list[str], end: int) -> int | None:
    """The first line of a reply header ending at line `end`, which may be wrapped over three lines."""
    matched = None
    for size in range(1, HEADER_LOOKAHEAD + 1):
        start = end - size + 1
        if start < 0 or not _folded(lines[start]):
            break
        joined = " ".join(_folded(line) for line in lines[start : end + 1])
        if len(joined) <= 400 and REPLY_HEADER.match(joined):
            if HEADER_OPENING.match(joined):
                return start
            matched = start if matched is None else matched
    return matched


def _is_header_block(lines: list[str], index: int) -> bool:
    """A "From:" line followed by a "Sent:"/"To:"/"Subject:" label on it or within the next four lines."""
    if index >= len(lines) or not FROM_LABEL.match(_folded(lines[index])):
        return False
    if INLINE_SENT_LABEL.search(_folded(lines[index])):
        return True
    return any(BLOCK_LABEL.match(_folded(line)) for line in lines[index + 1 : index + 5])


def _trailing_quote_start(lines: list[str]) -> int:
    """The first line of the block of "> " lines (and blanks) that ends the mail."""
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        folded = _folded(lines[index])
        if folded.startswith(">"):
            start = index
        elif folded and not SIGNATURE.match(folded) and not MOBILE_SIGNATURE.match(folded):
            break
    return start


def _signature_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        folded = line.translate(INVISIBLE).rstrip("\n")
        if SIGNATURE.match(folded) or MOBILE_SIGNATURE.match(folded.strip()):
            return index
    return len(lines)
