"""The suite's own layout: test modules are imported by their file name (the test folders
are not packages), so two of the same name in different folders break collection."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_file_name():
    names = Counter(path.name for folder in ("unit", "integration", "e2e")
                    for path in (TESTS / folder).glob("test_*.py"))
    assert [name for name, count in names.items() if count > 1] == []
