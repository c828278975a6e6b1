"""Language tags as cxloop stores them: lower case, dashes, Chinese by script.

Chinese is kept as two languages, as its readers keep it: Simplified
(zh-hans: mainland China, Singapore) and Traditional (zh-hant: Taiwan, Hong
Kong, Macau). A tag's script subtag decides; without one its region does;
bare "zh" and other regions mean Simplified.

    >>> normalize_language("zh_TW")
    'zh-hant'
    >>> normalize_language("zh-Hans-HK")
    'zh-hans'
    >>> normalize_language("pl-PL")
    'pl-pl'
"""

SIMPLIFIED_CHINESE = "zh-hans"
TRADITIONAL_CHINESE = "zh-hant"
CHINESE = (SIMPLIFIED_CHINESE, TRADITIONAL_CHINESE)

# Regions that write Chinese in Traditional characters.
TRADITIONAL_REGIONS = {"tw", "hk", "mo"}


def normalize_language(code: str) -> str:
    """A language tag as cxloop stores it ("zh_CN" -> "zh-hans", "zh-TW" -> "zh-hant", "PL" -> "pl")."""
    code = (code or "").strip().lower().replace("_", "-")
    parts = code.split("-")
    if parts[0] != "zh":
        return code
    if "hant" in parts[1:]:
        return TRADITIONAL_CHINESE
    if "hans" in parts[1:]:
        return SIMPLIFIED_CHINESE
    if TRADITIONAL_REGIONS.intersection(parts[1:]):
        return TRADITIONAL_CHINESE
    return SIMPLIFIED_CHINESE


def is_chinese(code: str) -> bool:
    """Whether a stored language code is Chinese, in either script."""
    return code in CHINESE
