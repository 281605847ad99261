"""Mentions and DMs through the real Bolt app, with signed Events API deliveries: the words are
answered in the thread as the command with those words answers (ephemerally in a channel, a reply
in the DM), unknown words with the help, a retried delivery once, and the app never answers its
own messages, bots or edits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.listeners.mentions.words import COMMANDS, parse
from bot.standin import BOT_USER, Posted
from core.credits import ledger
from core.credits.lots import Unit
from core.customers.service import CustomerInput, add_customer
from core.memberships import service as memberships
from tests.bot.conftest import Slack, wait_until
from tests.conftest import MANAGER, NOBODY, SPECIALIST, STAFF
from tests.integration.credit_helpers import at

CHANNEL = "CFRONTDESK"


def customer(slack: Slack, company: str, credits: int = 0) -> int:
    with slack.shop.tx() as ctx:
        made = add_customer(ctx, CustomerInput(company=company))
        if credits:
            ledger.grant(ctx, made.id, Unit.CREDIT, Decimal(credits), key=f"seed-{made.id}")
        return made.id


def asked(slack: Slack, channel: str) -> Posted:
    """The message just written there (the driver keeps it as Slack does)."""
    return [m for m in slack.standin.messages if m.channel == channel and m.text and not m.blocks][-1]


def answers(slack: Slack, channel: str, thread: str) -> list[Posted]:
    return [m for m in slack.standin.messages if m.channel == channel and m.thread_ts == thread and m.blocks]


def answer_to(slack: Slack, channel: str) -> Posted:
    thread = asked(slack, channel).ts
    found: list[Posted] = wait_until(lambda: answers(slack, channel, thread), what=f"an answer in {channel}")
    return found[-1]


def test_a_mention_is_answered_in_its_thread_as_the_command_answers(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Café Müller", credits=3)
    assert slack.driver.mention("credits Café Müller", user=STAFF).status_code == 200
    answer = answer_to(slack, CHANNEL)
    assert answer.ephemeral_to == STAFF  # a balance is for who asked, as the command's reply is
    assert answer.text == slack.command("/credits", "Café Müller", user=STAFF)["text"]
    assert "*3* credits available" in answer.text


def test_a_mention_inside_a_thread_answers_in_that_thread(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=1)
    slack.driver.mention("customers müller", user=STAFF, thread_ts="1700000000.000001")
    wait_until(lambda: answers(slack, CHANNEL, "1700000000.000001"), what="the answer in the thread")
    assert "Café Müller" in answers(slack, CHANNEL, "1700000000.000001")[0].text


def test_the_same_words_in_a_dm_are_answered_there(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    customer(slack, "Café Müller", credits=2)
    assert slack.driver.direct_message("credits cafe muller", user=STAFF).status_code == 200
    answer = answer_to(slack, f"D{STAFF}")
    assert answer.ephemeral_to is None  # the DM is the person's own
    assert "*2* credits available" in answer.text


def test_a_mention_of_the_app_in_a_dm_is_read_without_it(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=2)
    slack.driver.direct_message(f"<@{BOT_USER}> credits café müller", user=STAFF)
    assert "*Café Müller*" in answer_to(slack, f"D{STAFF}").text


def test_unknown_words_are_answered_with_a_short_help(slack: Slack) -> None:
    slack.driver.mention("who expires this week", user=STAFF)
    answer = answer_to(slack, CHANNEL)
    assert answer.text.startswith("I don't know “who expires this week”.")
    assert "`credits <customer>`" in answer.text and len(answer.text) < 1000
    slack.driver.direct_message("help", user=STAFF)
    helped = answer_to(slack, f"D{STAFF}")
    assert helped.text.startswith("Ask me as you would type a command")


def test_words_that_open_a_form_name_the_command_that_opens_it(slack: Slack) -> None:
    slack.driver.mention("customers add", user=STAFF)
    said = answer_to(slack, CHANNEL).text
    assert (
        said
        == "That opens the *Add a customer* form, which needs a command or a shortcut: type `/customers add`."
    )


def test_a_wrong_role_gets_the_commands_refusal(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=2)
    slack.driver.mention("credits café müller", user=NOBODY)
    refused = answer_to(slack, CHANNEL).text
    assert refused == slack.command("/credits", "café müller", user=NOBODY)["text"]
    assert refused.startswith("You need the")
    slack.driver.direct_message("membership assign café müller Gold", user=SPECIALIST)
    not_sold = answer_to(slack, f"D{SPECIALIST}").text
    assert not_sold == slack.command("/membership", "assign café müller Gold", user=SPECIALIST)["text"]
    assert not_sold.startswith("You need the")


def test_several_customers_named_are_offered_with_the_picker(slack: Slack) -> None:
    customer(slack, "Northwind Traders")
    customer(slack, "Northwind Plumbing")
    slack.driver.mention("credits northwind", user=STAFF)
    answer = answer_to(slack, CHANNEL)
    assert answer.text.startswith("Several customers match “northwind”")
    assert (
        sum(1 for b in answer.blocks if b.get("accessory", {}).get("action_id", "").startswith("pick:")) == 2
    )


def test_a_retried_mention_is_answered_once(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=3)
    slack.driver.mention("credits café müller", user=STAFF)
    first = slack.driver.last_event
    thread = asked(slack, CHANNEL).ts
    wait_until(lambda: answers(slack, CHANNEL, thread), what="the first answer")
    # Slack retries the same delivery (same event_id, X-Slack-Retry-Num), twice.
    assert slack.driver.resend(retry=1).status_code == 200
    assert slack.driver.resend(retry=2).status_code == 200
    # A new mention after the retries is answered: the retries were handled before it.
    slack.driver.mention("credits café müller", user=STAFF)
    assert slack.driver.last_event != first
    answer_to(slack, CHANNEL)
    assert len(answers(slack, CHANNEL, thread)) == 1


def test_the_apps_own_messages_bots_and_edits_are_never_answered(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=3)
    dm = f"D{STAFF}"
    slack.driver.direct_message("credits café müller", user=BOT_USER)  # the app's own message
    slack.driver.direct_message("credits café müller", user=STAFF, bot_id="BOTHER", subtype="bot_message")
    slack.driver.direct_message("credits café müller", user=STAFF, subtype="message_changed")
    slack.driver.event({"type": "message", "channel": dm, "channel_type": "im", "subtype": "message_deleted"})
    ignored = [m.ts for m in slack.standin.messages if m.channel == dm]
    slack.driver.direct_message("credits café müller", user=STAFF)
    answer_to(slack, dm)
    assert all(not answers(slack, dm, ts) for ts in ignored)
    assert len([m for m in slack.standin.messages if m.channel == dm and m.blocks]) == 1


def test_a_message_in_a_channel_without_a_mention_is_not_for_the_app(slack: Slack) -> None:
    customer(slack, "Café Müller", credits=3)
    slack.driver.event(
        {
            "type": "message",
            "channel": CHANNEL,
            "channel_type": "channel",
            "user": STAFF,
            "text": "credits x",
            "ts": "1.5",
        }
    )
    slack.driver.mention("credits café müller", user=STAFF)
    answer_to(slack, CHANNEL)
    assert not answers(slack, CHANNEL, "1.5")


def test_the_first_word_names_the_command_and_the_rest_is_its_text() -> None:
    assert parse("<@UMEMBERBOT> credits Café Müller", "UMEMBERBOT").command == "/credits"
    assert parse("<@UMEMBERBOT|memberbot>  Credits:  Café   Müller", "UMEMBERBOT").text == "Café Müller"
    assert parse("/visits mine", None).command == "/visits" and parse("/visits mine", None).text == "mine"
    assert parse("credits Smith &amp; Sons", None).text == "Smith & Sons"
    assert parse("<@UMEMBERBOT>", "UMEMBERBOT").command is None
    assert parse("who expires this week", None).command is None
    assert {"/credits", "/customers", "/membership", "/plans", "/visits", "/checkout"} <= set(
        COMMANDS.values()
    )


def test_a_sale_asked_for_in_the_dm_waits_for_a_manager_who_is_not_asked_in_that_dm(slack: Slack) -> None:
    at(slack.shop, date(2025, 1, 15))
    cafe = customer(slack, "Café Müller")
    slack.driver.direct_message("membership assign café müller Gold", user=STAFF)
    said = answer_to(slack, f"D{STAFF}").text
    with slack.shop.tx(write=False) as ctx:
        (sold,) = memberships.memberships_of(ctx, cafe)
    assert sold.plan == "Gold" and said == f"{sold.reference} is waiting for a manager's approval."
    wait_until(lambda: sold.reference in str(slack.standin.homes.get(MANAGER, "")), what="the manager's Home")
    requests = [m for m in slack.standin.messages if "Approve" in str(m.blocks)]
    assert requests == []  # not into the seller's DM, where no manager would see it
