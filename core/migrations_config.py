"""The configuration the `tortoise` command reads (`tortoise makemigrations`, see README)."""

from core.database import tortoise_config
from core.settings import Settings

TORTOISE_ORM = tortoise_config(Settings.from_env().database_url)
