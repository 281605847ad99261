"""Where the draft lives: an ephemeral message has no metadata Slack sends back, so each button's
value carries the draft itself, compactly (see `Draft.encoded`): the invoice number, customer,
location, the lines as typed (kind, quantity, price, service id or product code; a prepaid card
names nothing), the idempotency
key and a fingerprint of what the preview applied on each line. At most `SLACK_LINES` lines, so a
value stays under Slack's 2,000 characters."""

from __future__ import annotations

import secrets
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
    key: str  # the nonce its Post's idempotency key is made of (bot/keys.py)
    seen: tuple[str, ...] = ()  # the fingerprint of each line of the preview, and then its points
    money: bool = True  # monetary credit pays what is left (False: the member keeps it for later)

    def invoice(self) -> Invoice:
        return Invoice(
            self.reference, self.customer, self.location, self.items, use_monetary_credit=self.money
        )

    def encoded(self) -> dict[str, Any]:
        items = [[_CODES[ItemKind(i.kind)], i.quantity, str(i.unit_price), _what(i)] for i in self.items]
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
        items = tuple(_item(str(kind), int(q), Decimal(p), x) for kind, q, p, x in data["i"])
        seen = tuple(str(h) for h in data.get("h", ()))
        money = bool(data.get("m", 1))
        return cls(str(data["r"]), int(data["c"]), int(data["l"]), items, str(data["k"]), seen, money)


_CODES = {ItemKind.SERVICE: "s", ItemKind.PRODUCT: "p", ItemKind.CARD: "c"}


def _what(item: Item) -> int | str | None:
    """A service line's service id, a product line's code; a prepaid card names nothing."""
    return item.service_id if item.kind == ItemKind.SERVICE else item.product or None


def _item(kind: str, quantity: int, price: Decimal, what: Any) -> Item:
    if kind == "s":
        return Item(ItemKind.SERVICE, quantity, price, service_id=int(what))
    if kind == "c":
        return Item(ItemKind.CARD, quantity, price)
    return Item(ItemKind.PRODUCT, quantity, price, product=str(what))


def new_reference() -> str:
    """A random invoice number: two desks previewing at once never share one (a removed discount
    belongs to its invoice number)."""
    return f"INV-{secrets.token_hex(3).upper()}"
