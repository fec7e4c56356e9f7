"""`make run` on a fresh checkout: the demo logins are printed with the address the portal really serves on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def fresh_instance(tmp_path, monkeypatch):
    """The development configuration on an empty instance folder, as `make run` starts the first time."""
    for variable in ("DATABASE_URL", "SECRET_KEY", "PORTAL_URL", "QUDAO_CONFIG", "HUEY_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("QUDAO_INSTANCE_DIR", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_seed_demo_prints_the_address_make_run_serves_on(fresh_instance, monkeypatch):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import Config
    from portal.extensions import db

    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8123")
    app = create_app(Config)
    with app.app_context():
        upgrade()
        db.session.remove()
    try:
        output = app.test_cli_runner().invoke(args=["seed", "demo"]).output
    finally:
        with app.app_context():
            db.engine.dispose()
    assert "Demo logins (http://127.0.0.1:8123):" in output
    assert "admin@qudao.example" in output


def test_make_run_hands_host_and_port_to_the_seed_step():
    dry_run = subprocess.run(
        ["make", "-n", "run", "HOST=0.0.0.0", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    seed = [line for line in dry_run.stdout.splitlines() if "flask seed demo" in line]
    assert seed and "HOST=0.0.0.0" in seed[0] and "PORT=8123" in seed[0], dry_run.stdout
