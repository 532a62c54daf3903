"""Yes and no in the languages the demo reads ("sí", "nein, abgelaufen"), and which language
a message is in: one it does not read gets a polite note, not a wrong guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from support_agent.offline.understanding.featurize import fold, words

# "I don't know" in each language: checked before yes / no ("no sé" is not a no).
_UNSURE = (
    r"no se|no lo se|ni idea|tal vez|quizas?|a lo mejor|creo que|je ne sais pas|je sais pas"
    r"|sais pas|aucune idee|peut-etre|je crois|keine ahnung|weiss nicht|weis nicht|vielleicht"
    r"|ich glaube|nao sei|talvez|acho que|non so|non lo so|boh|forse|credo"
)
# language -> (yes phrases, no phrases, common words that identify the language)
_LANGUAGES: dict[str, tuple[str, str, str]] = {
    "Spanish": (
        r"si|claro|por supuesto|desde luego|todavia (esta|tiene)|sigue (en|con)|aun (esta|tiene)"
        r"|esta (en|bajo) garantia|tiene garantia|vigente",
        r"no|ya no|nunca|caduc\w*|venci\w*|expir\w*|se acabo|sin garantia|no tiene|para nada",
        r"el la los las que de mi esta tengo pero todavia garantia ya es muy con para por una lo se",
    ),
    "French": (
        r"oui|ouais|bien sur|evidemment|toujours sous garantie|encore sous garantie"
        r"|sous garantie|couvert",
        r"non|plus sous garantie|n'est plus|expire\w*|terminee?|pas sous garantie|plus couvert"
        r"|pas du tout",
        r"le la les est mon ma mes je ne pas plus avec elle il sous toujours encore c'est",
    ),
    "German": (
        r"ja|jawohl|klar|naturlich|noch garantie|noch unter garantie|hat garantie|gultig",
        r"nein|no|nee|keine garantie|nicht mehr|abgelaufen|vorbei|leider nicht",
        # Pronouns and articles too: "wir mochten ... konnen Sie uns ein Angebot schicken"
        # has none of the words above yet is plainly German.
        r"ist mein meine nicht das der die und ich noch garantie keine hat leider es"
        r" wir uns sie ein eine einen mit fur bitte konnen kann mochten mochte",
    ),
    "Portuguese": (
        r"sim|claro|com certeza|ainda (esta|tem)|esta na garantia|na garantia|dentro da garantia",
        r"nao|ja nao|expirou|venceu|acabou|sem garantia|fora da garantia",
        r"o a os as que de meu minha esta tenho mas ainda garantia ja nao e com para uma",
    ),
    "Italian": (
        r"si|certo|certamente|sicuro|ancora in garanzia|e in garanzia|in garanzia|coperto",
        r"no|non piu|scadut\w*|finit\w*|fuori garanzia|senza garanzia|non e in garanzia",
        r"il lo la i gli le che di mio mia e non piu ancora garanzia ho ma con per una",
    ),
}
_ENGLISH = set(
    words(
        "the a an is it my i me you yes no not and but still its it's was has have under with "
        "for to of in on this that"
    )
)
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class LanguageReading:
    language: str  # "English", one of the supported ones, or "other"
    answer: str | None = None  # "yes" / "no" when the message is a yes/no answer


def _non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for c in letters if "LATIN" not in unicodedata.name(c, ""))
    return foreign / len(letters)


def read_language(text: str) -> LanguageReading:
    if _non_latin_share(text) > 0.5:
        return LanguageReading("other")
    folded = fold(text)
    found = _WORD.findall(folded)
    english = sum(1 for w in found if w in _ENGLISH)
    best, best_hits = "English", english
    for language, (_yes, _no, common) in _LANGUAGES.items():
        hits = sum(1 for w in found if w in common.split())
        if hits > best_hits and hits >= 2:
            best, best_hits = language, hits
    if best == "English":
        # Short answers: "oui", "nein", "sim", "no sé" are a whole message of one language.
        if len(found) <= 3 and not re.fullmatch(r"\W*no\W*", folded):
            for language, (yes, no, _common) in _LANGUAGES.items():
                if re.fullmatch(rf"\W*({_UNSURE}|{yes}|{no})\W*", folded):
                    return LanguageReading(language, _answer(folded, yes, no))
        return LanguageReading("English")
    yes, no, _common = _LANGUAGES[best]
    return LanguageReading(best, _answer(folded, yes, no))


def _answer(folded: str, yes: str, no: str) -> str | None:
    if re.search(rf"(^|\W)({_UNSURE})(\W|$)", folded):
        return "unsure"
    if re.search(rf"(^|\W)({no})(\W|$)", folded):
        return "no"
    if re.search(rf"(^|\W)({yes})(\W|$)", folded):
        return "yes"
    return None
