"""Piccolo's own configuration, used by its CLI and the migration runner (python -m app migrate)."""

import os

from piccolo.conf.apps import AppRegistry

from app.core.db import make_engine

DB = make_engine(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
