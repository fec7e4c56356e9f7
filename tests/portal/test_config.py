"""Configuration: read from the environment when the app is created (never at import), a generated secret key
kept in instance/, production refuses the embedded defaults, PORTAL_URL follows where the app serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import config

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql+psycopg://u@db/qudao",
    "RATELIMIT_STORAGE_URI": "redis://cache.internal:6379/0",
}


def test_secret_key_is_generated_once_and_kept(tmp_path):
    environ = {"QUDAO_INSTANCE_DIR": str(tmp_path)}
    first = config.Config.load(environ)["SECRET_KEY"]
    assert len(first) >= 40 and (tmp_path / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"

    again = config.Config.load(environ)
    assert again["SECRET_KEY"] == first
    assert again["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'qudao.db'}"


def test_database_url_switches_to_postgresql(tmp_path):
    settings = config.Config.load(
        {
            "QUDAO_INSTANCE_DIR": str(tmp_path),
            "SECRET_KEY": "k",
            "DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/qudao",
        }
    )
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/qudao"
    assert list(tmp_path.iterdir()) == []  # told its key and database, it writes nothing into instance/


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_settings(monkeypatch, missing):
    for variable, value in PRODUCTION.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        config.ProductionConfig.load()


def test_production_refuses_per_process_rate_limit_counters(monkeypatch):
    for variable, value in PRODUCTION.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        config.ProductionConfig.load()


def test_a_production_app_takes_the_settings_set_after_the_config_module_was_imported(tmp_path, monkeypatch):
    """As a WSGI server or a test does: portal.config is imported first, the environment is filled in later."""
    from limits import _storage_scheme
    from limits.storage import MemoryStorage

    from portal import create_app

    monkeypatch.setitem(_storage_scheme.SCHEMES, "redis", MemoryStorage)  # no Redis here: counters in memory
    for variable, value in PRODUCTION.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("QUDAO_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SALES_BACKGROUND_BYTES", "12345")
    monkeypatch.delenv("QUDAO_HUEY_IMMEDIATE", raising=False)
    monkeypatch.delenv("HUEY_URL", raising=False)

    app = create_app(config.ProductionConfig)

    assert app.config["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
    assert app.config["SQLALCHEMY_DATABASE_URI"] == PRODUCTION["DATABASE_URL"]
    assert app.config["RATELIMIT_STORAGE_URI"] == PRODUCTION["RATELIMIT_STORAGE_URI"]
    assert app.config["SALES_BACKGROUND_BYTES"] == 12345
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.extensions["huey"].storage.filename == str(tmp_path / "huey.db")  # the queue, chosen now


def test_importing_the_packages_writes_nothing_and_reads_no_setting(tmp_path):
    """Every module of the five packages, imported in a fresh interpreter as a test, a migration or a CLI
    command would: no instance folder, no queue file, no frozen setting (create_app reads them later)."""
    instance = tmp_path / "instance"
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"QUDAO_HUEY_IMMEDIATE", "HUEY_URL", "DATABASE_URL", "SECRET_KEY"}
    }
    environ.update(QUDAO_INSTANCE_DIR=str(instance), PYTHONDONTWRITEBYTECODE="1")
    script = """
import importlib, pkgutil
for package in ("portal", "partners", "orders", "performance", "training"):
    module = importlib.import_module(package)
    for found in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(found.name)
import os
os.environ.update(SECRET_KEY="set-after-import", DATABASE_URL="sqlite://")
from portal.config import Config
assert Config.load()["SECRET_KEY"] == "set-after-import"
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not instance.exists() and list(tmp_path.iterdir()) == [], done.stderr
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"HOST": "0.0.0.0", "PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"HOST": "192.168.1.20", "PORT": "80"}, "http://192.168.1.20:80"),
        (
            {"HOST": "0.0.0.0", "PORT": "8123", "PORTAL_URL": "https://partners.example.com"},
            "https://partners.example.com",
        ),
    ],
)
def test_portal_url_follows_host_and_port_unless_it_is_set(tmp_path, environ, url):
    settings = config.Config.load(
        {"QUDAO_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "k", "DATABASE_URL": "sqlite://", **environ}
    )
    assert settings["PORTAL_URL"] == url
