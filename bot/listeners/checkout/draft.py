"""Where the draft lives: an ephemeral message has no metadata Slack sends back, so each button's
value carries the draft itself, compactly (see `Draft.encoded`): the invoice number, customer,
location, the lines as typed (kind, quantity, price, service id or product code), the idempotency
key and a fingerprint of what the preview applied on each line. At most `SLACK_LINES` lines, so a
value stays under Slack's 2,000 characters."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.checkout.benefits import ItemKind
from core.checkout.service import Invoice, Item

SLACK_LINES = 20  # lines of one invoice entered in Slack: each button carries them all


@dataclass(frozen=True)
class Draft:
    """An invoice being checked out, as the buttons of its preview carry it."""

    reference: str
    customer: int
    location: int
    items: tuple[Item, ...]
    key: str
    seen: tuple[str, ...] = ()  # the fingerprint of each line of the preview, and then its points
    money: bool = True  # monetary credit pays what is left (False: the member keeps it for later)

    def invoice(self) -> Invoice:
        return Invoice(
            self.reference, self.customer, self.location, self.items, use_monetary_credit=self.money
        )

    def encoded(self) -> dict[str, Any]:
        items = [
            ["s", i.quantity, str(i.unit_price), i.service_id]
            if i.kind == ItemKind.SERVICE
            else ["p", i.quantity, str(i.unit_price), i.product]
            for i in self.items
        ]
        return {
            "r": self.reference,
            "c": self.customer,
            "l": self.location,
            "i": items,
            "k": self.key,
            "h": list(self.seen),
            "m": int(self.money),
        }

    @classmethod
    def decoded(cls, data: dict[str, Any]) -> Draft:
        items = tuple(
            Item(ItemKind.SERVICE, int(q), Decimal(p), service_id=int(x))
            if kind == "s"
            else Item(ItemKind.PRODUCT, int(q), Decimal(p), product=str(x))
            for kind, q, p, x in data["i"]
        )
        seen = tuple(str(h) for h in data.get("h", ()))
        money = bool(data.get("m", 1))
        return cls(str(data["r"]), int(data["c"]), int(data["l"]), items, str(data["k"]), seen, money)


def new_reference() -> str:
    """A random invoice number: two desks previewing at once never share one (a removed discount
    belongs to its invoice number)."""
    return f"INV-{secrets.token_hex(3).upper()}"


def new_key() -> str:
    return f"slack-checkout-{uuid.uuid4().hex}"
