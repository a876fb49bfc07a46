"""Every environment variable that `app/settings.py` reads (and any other module, with
`os.environ.get`) is a row of the README's settings table, and every row there is read: an
operator learns the settings from the README alone."""

from __future__ import annotations

import re

from app.settings import PROJECT_ROOT

READ = re.compile(r"""(?:env\.get\(|_\w+\(env,\s*)"([A-Z][A-Z0-9_]+)\"""")
ELSEWHERE = re.compile(r"""os\.environ\.get\(\s*"([A-Z][A-Z0-9_]+)\"""")
ROW = re.compile(r"^\|\s*(`[A-Z][A-Z0-9_]+`(?:\s*,\s*`[A-Z][A-Z0-9_]+`)*)\s*\|", re.M)


def settings_read() -> set[str]:
    found = set(READ.findall((PROJECT_ROOT / "app" / "settings.py").read_text()))
    for path in (PROJECT_ROOT / "app").rglob("*.py"):
        found |= set(ELSEWHERE.findall(path.read_text()))
    return found


def settings_documented() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    table = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return {name.strip("` ") for cell in ROW.findall(table) for name in cell.split(",")}


def test_the_pattern_finds_the_settings_it_should():
    assert {"DATABASE_URL", "SECRET_KEY", "RECONCILE_EVERY_SECONDS", "LOG_JSON"} <= settings_read()
    assert "HIREWIRE_DB_NO_WAIT" in settings_read()  # read by the CLI, not app/settings.py


def test_every_setting_read_is_documented_and_every_documented_one_is_read():
    read, documented = settings_read(), settings_documented()
    assert read - documented == set(), "read by the app but not in the README's table"
    assert documented - read == set(), "in the README's table but never read"
