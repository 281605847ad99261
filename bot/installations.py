"""Where workspaces that installed the app are kept: slack_sdk's SQLAlchemy installation and OAuth
state stores, on our database and in tables our migrations create (storage/tables/slack.py).

Bolt's AsyncApp wants asynchronous stores. slack_sdk's async ones need an async engine and driver;
ours is synchronous, so the synchronous stores run in a worker thread, as core does for listeners.
Writes go through the writer engine, which takes SQLite's write lock up front (storage/engine.py).
"""

from __future__ import annotations

import asyncio
import logging
from logging import Logger
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from storage.engine import writer
from storage.uow import Database

log = logging.getLogger("memberbot.installations")

STATE_SECONDS = 600  # an install link is good for ten minutes (Bolt's default)


class InstallationStore(AsyncInstallationStore):
    def __init__(self, db: Database, client_id: str) -> None:
        self._reads = SQLAlchemyInstallationStore(client_id, db.engine, logger=log)
        self._writes = SQLAlchemyInstallationStore(client_id, writer(db.engine), logger=log)

    @property
    def logger(self) -> Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self._writes.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self._writes.save_bot, bot)

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        return await asyncio.to_thread(
            lambda: self._reads.find_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            lambda: self._reads.find_installation(
                enterprise_id=enterprise_id,
                team_id=team_id,
                user_id=user_id,
                is_enterprise_install=is_enterprise_install,
            )
        )


class StateStore(AsyncOAuthStateStore):
    """The `state` of install links in progress, so a redirect is only accepted for a link we issued."""

    def __init__(self, db: Database) -> None:
        self._store = SQLAlchemyOAuthStateStore(STATE_SECONDS, writer(db.engine), logger=log)

    @property
    def logger(self) -> Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self._store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self._store.consume, state)
