from piccolo.conf.apps import AppConfig

from app.core.db import all_tables
from app.settings import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name="instainstru",
    migrations_folder_path=str(PROJECT_ROOT / "piccolo_migrations"),
    table_classes=all_tables(),
)
