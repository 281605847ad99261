"""The customer someone means: one lookup for every command, form and CLI verb.

"#12" is customer 12 of the workspace. Anything else is words of a company or contact name,
found as the search finds them (core/customers/search.py: case and accents ignored, parts of
words) and narrowed by `search.meant`: the customer whose whole name was typed, or the only one
that matches. Several matches are handed back for the caller to offer a choice — never a guess.
A customer merged into another is found by no words; its number answers MergedAway, naming the
customer it was merged into.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.context import Ctx
from core.customers import search
from core.customers.service import (
    CustomerView,
    MergedAway,
    customers_mentioned,
    get_customer,
    search_customers,
)
from core.kernel.errors import NotFound

QUOTED = 80  # characters of a message quoted back when it names no one or several
CHOICES = 10  # customers offered to choose from when several match
_NUMBER = re.compile(r"^#(\d+)$")
_NUMBERS = re.compile(r"(?:^|[\s(\[,;:])#(\d{1,9})\b")  # "#12" inside a message, not "x#12" or "#12a"
_BRACKETS = str.maketrans("()", "  ")


class NoCustomer(NotFound):
    def __init__(self, query: str) -> None:
        super().__init__(
            f"No customer matches “{query}”. Try part of the company or contact name.", "customer"
        )
        self.query = query


class SeveralCustomers(NotFound):
    def __init__(self, query: str, choices: tuple[CustomerView, ...]) -> None:
        listed = "".join(f"\n• {c.label}" for c in choices)
        super().__init__(f"Several customers match “{query}”; which one?{listed}", "customer")
        self.query = query
        self.choices = choices


@dataclass(frozen=True)
class Lookup:
    query: str
    matches: tuple[CustomerView, ...]  # the customer meant, or those to choose from (best first)

    @property
    def customer(self) -> CustomerView | None:
        return self.matches[0] if len(self.matches) == 1 else None

    def one(self) -> CustomerView:
        """The customer meant, or NoCustomer / SeveralCustomers."""
        if self.customer is not None:
            return self.customer
        if not self.matches:
            raise NoCustomer(self.query)
        raise SeveralCustomers(self.query, self.matches)


def find_customer(ctx: Ctx, text: str, *, choices: int = CHOICES) -> Lookup:
    """The customer `text` names (see the module), or up to `choices` to choose from, or none."""
    query = text.strip()
    number = _NUMBER.match(query)
    if number:
        try:
            return Lookup(query, (get_customer(ctx, int(number.group(1))),))
        except MergedAway:
            raise
        except NotFound:
            return Lookup(query, ())
    if not query:
        return Lookup(query, ())
    # A name copied from a pick list, "Café Müller (Anna)", is searched for as its words.
    words = query.translate(_BRACKETS)
    found = {c.id: c for c in search_customers(ctx, words, limit=choices)}
    keys = search.meant(query, ((c.id, c.company, c.contact) for c in found.values()))
    return Lookup(query, tuple(found[key] for key in keys))


def the_customer(ctx: Ctx, text: str) -> CustomerView:
    """The customer `text` names; NoCustomer or SeveralCustomers (listing them) otherwise."""
    return find_customer(ctx, text).one()


def named_in(ctx: Ctx, text: str, *, choices: int = CHOICES) -> Lookup:
    """The customers a message names (a message shortcut's): by number ("#12") when it has any,
    else by a company or contact name written in it as whole words (search.named_in). One is the
    customer meant; several are offered to choose from, never guessed. The lookup's query is the
    message's start, as the person will recognise it."""
    query = " ".join(text.split())[:QUOTED]
    numbered = dict.fromkeys(int(n) for n in _NUMBERS.findall(text))
    if numbered:
        found: list[CustomerView] = []
        for number in list(numbered)[:choices]:
            try:
                found.append(get_customer(ctx, number))
            except NotFound:  # not a customer's number (or merged away): a ticket number, say
                continue
        if found:
            return Lookup(query, tuple(found))
    candidates = {c.id: c for c in customers_mentioned(ctx, search.mentioned_words(text))}
    keys = search.named_in(text, ((c.id, c.company, c.contact) for c in candidates.values()))
    return Lookup(query, tuple(candidates[key] for key in keys[:choices]))
