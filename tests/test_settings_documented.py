"""Every environment variable the code reads is documented (docs and .env.example)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def variables_read_by_code() -> set[str]:
    names = set()
    for path in (ROOT / "cxm").rglob("*.py"):
        names |= set(re.findall(r"[\"'](CXM_[A-Z_]+)[\"']", path.read_text()))
    return names


def test_every_setting_is_in_the_configuration_docs():
    documented = set(re.findall(r"`(CXM_[A-Z_]+)`", (ROOT / "docs/configuration.md").read_text()))
    assert variables_read_by_code() <= documented


def test_every_setting_is_in_the_env_example():
    example = set(re.findall(r"^#? ?(CXM_[A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert variables_read_by_code() <= example
