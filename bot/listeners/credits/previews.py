"""What a redemption or transfer shows before it is confirmed and after it is done: one wording for
the /credits commands, the forms and an expiry reminder's Redeem button."""

from __future__ import annotations

from decimal import Decimal

from bot import messages
from bot.mrkdwn import escape
from core.credits.flows import Parts, Redeemed, RedeemPreview, TransferPreview, Transferred


def redeem_preview(planned: RedeemPreview) -> str:
    service = escape(planned.service.name) if planned.service else ""
    return messages.say(
        "redeem_preview",
        quantity=_n(planned.quantity),
        service=service,
        customer=escape(planned.customer.label),
        lots=_parts(planned.lots),
        left=_n(planned.left),
    )


def redeemed(done: Redeemed) -> str:
    return messages.say(
        "redeemed",
        quantity=_n(done.quantity),
        customer=escape(done.customer.label),
        left=_n(done.left),
        replayed=done.replayed,
        lots=_parts(done.lots),
        expiring=done.expiring,
    )


def transfer_preview(planned: TransferPreview) -> str:
    return messages.say(
        "transfer_preview",
        quantity=_n(planned.quantity),
        giver=escape(planned.giver.label),
        transferable=_n(planned.transferable),
        receiver=escape(planned.receiver.label),
        kept=_n(planned.kept),
        lots=_parts(planned.lots),
    )


def transferred(done: Transferred) -> str:
    return messages.say(
        "transferred",
        quantity=_n(done.quantity),
        giver=escape(done.giver.label),
        receiver=escape(done.receiver.label),
        replayed=done.replayed,
        giver_left=_n(done.giver_left),
        receiver_has=_n(done.receiver_has),
        arrived=_parts(done.arrived),
    )


def _parts(parts: Parts) -> list[tuple[object, str]]:
    return [(last_day, _n(amount)) for last_day, amount in parts]


def _n(quantity: Decimal) -> str:
    """Credits as people write them: 2, not 2.0000."""
    return f"{quantity.normalize():f}"
