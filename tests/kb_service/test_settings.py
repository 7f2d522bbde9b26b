"""The README's table of settings is the `Settings` class, field for field."""

import re
from pathlib import Path

from kb_service.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_every_setting_and_no_other():
    documented = set(re.findall(r"^\| `(SPRAVKA_[A-Z_]+)` \|", README.read_text(), re.MULTILINE))
    assert documented == {f"SPRAVKA_{name.upper()}" for name in Settings.model_fields}


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SPRAVKA_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'spravka.db'}"
    assert settings.index_path == tmp_path / "index"
    monkeypatch.setenv("SPRAVKA_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().sqlalchemy_url == "postgresql+psycopg://u@h/db"
