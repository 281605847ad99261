"""The two apps the Slack command benchmark measures, each served by uvicorn in a process of its
own, as in production: memberbot's real app (build_app + create_server) with the benchmark's fixed
clock, and the yardstick, a bare Bolt app whose /credits listener only acknowledges. Sharing the
load generator's process would make both compete with it for one interpreter lock.

Run by bench/slack_commands.py: python -m bench.served (memberbot|bare) PORT DATABASE_URL API_URL"""

from __future__ import annotations

import sys
from datetime import datetime

import uvicorn
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_app
from bot.deps import Deps
from bot.server import create_server
from bot.settings import Settings
from core.kernel.clock import FixedClock
from storage.uow import Database

ADMIN = "UADMIN"
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"


def bare_app(api_url: str) -> AsyncApp:
    """The same token, Web API and signing secret; /credits only acknowledges."""
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    app.command("/credits")(only_ack)
    return app


def main(which: str, port: int, database_url: str, api_url: str, now: str) -> None:
    db = Database(database_url)
    if which == "bare":
        app = bare_app(api_url)
    else:
        settings = Settings(
            signing_secret=SECRET,
            bot_token=TOKEN,
            database_url=database_url,
            port=port,
            api_url=api_url,
            admins=(ADMIN,),
        )
        app = build_app(settings, Deps(db, FixedClock(datetime.fromisoformat(now)), settings.admins))
    uvicorn.run(
        create_server(app, db, signing_secret=SECRET), host="127.0.0.1", port=port, log_level="warning"
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
