"""The Bolt app: an AsyncApp (Slack's measurements in shared/slack/PLATFORM.md: the sync App caps
near 85 requests/s on two cores), whose listeners run core's synchronous service functions in a
thread each."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.listeners import register_listeners
from bot.settings import Settings

SLACK_API = "https://slack.com/api/"


def build_app(settings: Settings, deps: Deps) -> AsyncApp:
    client = AsyncWebClient(
        token=settings.bot_token,
        base_url=settings.api_url or SLACK_API,
        timeout=10,
        # slack_sdk retries only connection errors by default; honour 429 Retry-After too.
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )
    app = AsyncApp(client=client, signing_secret=settings.signing_secret)
    register_listeners(app, deps)
    return app
