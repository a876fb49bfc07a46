"""The sandbox's Piccolo app: its tables and their migration set, kept apart from Hirewire's so
a production database never has them."""

from piccolo.conf.apps import AppConfig

from app.db import SANDBOX_APP
from app.providers.ribbon.sandbox.tables import (
    SandboxDelivery,
    SandboxFlow,
    SandboxInterview,
    SandboxKnobs,
)
from app.settings import PROJECT_ROOT

APP_CONFIG = AppConfig(
    app_name=SANDBOX_APP,
    migrations_folder_path=str(PROJECT_ROOT / "migrations" / "sandbox"),
    table_classes=[SandboxFlow, SandboxInterview, SandboxDelivery, SandboxKnobs],
)
