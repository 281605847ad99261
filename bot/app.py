"""The Bolt app: an AsyncApp (Slack's measurements in shared/slack/PLATFORM.md: the sync App caps
near 85 requests/s on two cores), whose listeners run core's synchronous service functions in a
thread each. One workspace uses its bot token; with OAuth every request is authorized with the
token its own workspace stored at installation, and a workspace that never installed is refused."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncAuthorize, AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import errors, once
from bot.deps import Deps
from bot.installations import STATE_SECONDS, InstallationStore, StateStore
from bot.listeners import register_listeners
from bot.settings import OAuth, Settings
from core.context import SYSTEM
from core.workspace.flows import ensure_tenant

SLACK_API = "https://slack.com/api/"
log = logging.getLogger(__name__)
NOT_INSTALLED = "memberbot is not installed in this workspace. Ask an admin to install it, then try again."


def build_app(settings: Settings, deps: Deps) -> AsyncApp:
    client = AsyncWebClient(
        token=settings.bot_token,  # None with OAuth: each request gets its workspace's token
        base_url=settings.api_url or SLACK_API,
        timeout=10,
        # slack_sdk retries only connection errors by default; honour 429 Retry-After too.
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )
    app = AsyncApp(
        client=client,
        # Socket Mode requests are not signed; "" keeps Bolt from reading the environment itself.
        signing_secret=settings.signing_secret or "",
        oauth_settings=_oauth_settings(settings.oauth, deps, client) if settings.oauth else None,
        user_facing_authorize_error_message=NOT_INSTALLED,
    )
    app.use(_no_reserved_actor)
    app.use(once.middleware)  # every write of a Slack request takes effect once
    register_listeners(app, deps)
    errors.register(app)  # the one answer to what nobody expected
    return app


async def _no_reserved_actor(
    body: dict[str, Any], next: Callable[[], Awaitable[None]]
) -> BoltResponse | None:
    """Core acts as "system" for the scheduler, the CLI and the demo, with every permission; a
    request claiming to come from a Slack user of that name (only a forged one could) goes no further."""
    user = body.get("user") or body.get("user_id") or (body.get("event") or {}).get("user")
    user = user.get("id") if isinstance(user, dict) else user
    if isinstance(user, str) and user.strip().casefold() == SYSTEM:
        log.warning("Refused a request claiming to come from the reserved actor %r", user)
        return BoltResponse(status=403, body="")
    await next()
    return None


def _oauth_settings(oauth: OAuth, deps: Deps, client: AsyncWebClient) -> AsyncOAuthSettings:
    """Bolt's install flow (/slack/install, /slack/oauth_redirect), storing in our database."""

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        await asyncio.to_thread(_set_up_workspace, deps, args)
        return await args.default.success(args)

    async def failed(args: AsyncFailureArgs) -> BoltResponse:  # Bolt's own page; required in pairs
        return await args.default.failure(args)

    settings = AsyncOAuthSettings(
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        scopes=list(oauth.scopes),
        user_scopes=[],  # explicit: Bolt would otherwise read SLACK_USER_SCOPES
        redirect_uri=oauth.redirect_uri,
        installation_store=InstallationStore(deps.db, oauth.client_id),
        state_store=StateStore(deps.db),
        state_expiration_seconds=STATE_SECONDS,
        callback_options=AsyncCallbackOptions(success=installed, failure=failed),
    )
    settings.authorize = _remembering_authorize(settings, client)
    return settings


def _remembering_authorize(oauth: AsyncOAuthSettings, client: AsyncWebClient) -> AsyncAuthorize:
    """Bolt's authorization from the installation store, but checking each token with auth.test
    once rather than on every request (as Bolt does for a single workspace's token)."""
    return AsyncInstallationStoreAuthorize(
        logger=logging.getLogger(__name__),
        installation_store=oauth.installation_store,
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        cache_enabled=True,
        client=client,
    )


def _set_up_workspace(deps: Deps, args: AsyncSuccessArgs) -> None:
    """Whoever installs the app administers memberbot in that workspace; without this a new
    workspace would have no admin but the operators' MEMBERBOT_ADMINS."""
    installation = args.installation
    if installation.team_id is None:  # an Enterprise Grid org-wide install: no single workspace
        return
    ensure_tenant(
        deps.db,
        deps.clock,
        installation.team_id,
        name=installation.team_name or "",
        admins=(*deps.admins, installation.user_id),
    )
