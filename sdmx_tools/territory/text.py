"""The comparable form of a place name, shared by municipality and state matching.

Takes a name as a file writes it (any case, accents or not, abbreviations with or without
their dot) and hands on one normal form: :func:`normalise_name`, :func:`strip_honorific`.
"""

from __future__ import annotations

import re

from sdmx_tools.vocabulary.codelists import fold

__all__ = ["HONORIFICS", "MAX_NAME", "normalise_name", "strip_honorific"]

# The longest official area name has 76 characters (an alias 62): room for typos.
MAX_NAME = 200

# Abbreviations written with or without their dot; single letters only with it.
_ABBREVIATIONS = {
    "cd": "ciudad", "gral": "general", "sta": "santa", "sto": "santo", "sn": "san",
    "dr": "doctor", "fco": "francisco", "gpe": "guadalupe", "pto": "puerto",
    "edo": "estado", "mpio": "municipio",
}
_DOTTED_ABBREVIATIONS = {"s": "san", "ma": "maria"}
# Honorific prefixes that everyday sources drop ("Heroica Ciudad de Juchitán de Zaragoza"
# is written "Juchitán de Zaragoza"), longest first so that the whole prefix goes. Plain
# "Villa de" stays: stripping it would make "Villa de Arriaga" (SLP) look like "Arriaga"
# (Chiapas).
HONORIFICS = ("Heroica Ciudad de", "Heroica Villa de", "Heroica Villa", "Heroico", "Heroica")
_HONORIFIC = re.compile("^(?:" + "|".join(re.escape(fold(h)) for h in HONORIFICS) + ") ")
_NOISE_PREFIX = re.compile(r"^(?:municipio de|municipio|alcaldia|delegacion) ")


def normalise_name(name: str) -> str:
    """Comparable form of a place name.

    Casefolds, strips accents (NFKD), expands common abbreviations (Cd. -> ciudad,
    Gral. -> general, Sta. -> santa, Sn./S. -> san, Dr. -> doctor), drops punctuation,
    trailing dots and a leading "Municipio de"/"Alcaldía", and collapses whitespace.
    Honorific prefixes are kept here; :func:`strip_honorific` removes them.
    """
    text = fold(name)  # NFKD turns NBSP into a space
    text = re.sub(r"[^\w.]+|_", " ", text)
    words = []
    for token in re.findall(r"[^\s.]+\.?", text):
        bare = token.rstrip(".")
        if bare in _ABBREVIATIONS:
            words.append(_ABBREVIATIONS[bare])
        elif token.endswith(".") and bare in _DOTTED_ABBREVIATIONS:
            words.append(_DOTTED_ABBREVIATIONS[bare])
        else:
            words.append(bare)
    return _NOISE_PREFIX.sub("", " ".join(words))


def strip_honorific(key: str) -> str:
    """A normalised name without its honorific prefix ("heroica ciudad de ...")."""
    return _HONORIFIC.sub("", key)
