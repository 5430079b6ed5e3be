"""The interface is French first and fully translated into English."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "market" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def extract_source_strings(tmp_path) -> set[str]:
    """Run pybabel extract over the code and templates; return the msgids it finds."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    "-F", "babel.cfg", "-k", "lazy_gettext", "-k", "_l", "-o", str(pot), "."],
                   check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_source_string_has_an_english_translation(tmp_path):
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    translated = {(m.id if isinstance(m.id, str) else m.id[0])
                  for m in catalogue if m.id and m.string and not m.fuzzy
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    missing = sorted(extract_source_strings(tmp_path) - translated)
    assert missing == [], f"{len(missing)} strings lack an English translation: {missing[:10]}"
