"""Each kind of notification, worded from the plain data core queues: the text and blocks Slack
gets are the ones core used to build itself (byte for byte), names are made safe here, a catch-up
summary quotes the first line of each reminder, and a kind without a renderer is refused."""

from __future__ import annotations

from typing import Any

import pytest

from bot import mail, notifications
from bot.limits import message_problems
from bot.notifications.said import TEXT_MAX
from core.outbox import EMAIL, Kind

EXPIRING: dict[str, Any] = {
    "customer_id": 7,
    "customer": "Small & <Co>",
    "unit": "credit",
    "quantity": "4",
    "currency": "USD",
    "last_day": "2025-02-13",
    "lead_days": 7,
}
ALERT: dict[str, Any] = {
    "alert_id": 3,
    "customer_id": 7,
    "customer": "Harbour <Gym>",
    "balance": "150",
    "threshold": "100",
    "currency": "USD",
    "history": [
        {"at": "2025-01-15T10:00:00+01:00", "kind": "grant", "quantity": "150"},
        {"at": "2025-01-16T09:30:00+01:00", "kind": "redeem", "quantity": "-80.5"},
    ],
}


def test_an_expiry_reminder_names_the_customer_safely_and_carries_a_redeem_button() -> None:
    said = notifications.render(Kind.CREDITS_EXPIRING, EXPIRING)
    text = "Small &amp; &lt;Co&gt;: 4 credits expire after Thu 13 Feb 2025 (in 7 days)."
    assert said.text == text
    assert said.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "reminder_redeem",
                    "value": "7",
                    "text": {"type": "plain_text", "text": "Redeem"},
                }
            ],
        },
    ]


@pytest.mark.parametrize(
    ("unit", "quantity", "shown"),
    [
        ("money", "12.5", "$12.50 of credit expires"),
        ("credit", "1", "1 credit expires"),
        ("points", "30", "30 points expire"),
    ],
)
def test_quantities_are_worded_by_unit(unit: str, quantity: str, shown: str) -> None:
    said = notifications.render(Kind.CREDITS_EXPIRING, {**EXPIRING, "unit": unit, "quantity": quantity})
    assert said.text.startswith(f"Small &amp; &lt;Co&gt;: {shown} after")


def test_a_balance_alert_has_the_balance_its_history_and_three_buttons() -> None:
    said = notifications.render(Kind.BALANCE_ALERT, ALERT)
    assert said.text == (
        "*Harbour &lt;Gym&gt;* has $150.00 of account credit, above the $100.00 threshold. Recent activity:\n"
        "• Wed 15 Jan 2025 Granted +$150.00\n"
        "• Thu 16 Jan 2025 Used -$80.50"
    )
    assert said.blocks[0] == {"type": "section", "text": {"type": "mrkdwn", "text": said.text}}
    buttons = [(b["action_id"], b["value"], b["text"]["text"]) for b in said.blocks[1]["elements"]]
    assert buttons == [
        ("balance_report", "3", "Credit report"),
        ("balance_follow_up", "3", "Log a follow-up"),
        ("balance_snooze", "3", "Snooze 30 days"),
    ]


def test_a_renewal_reminder_says_how_to_renew() -> None:
    data = {"contract_id": 12, "customer_id": 7, "customer": "Ann <Lee>", "ends_on": "2025-03-01"}
    said = notifications.render(Kind.MEMBERSHIP_ENDING, data)
    assert said.text == (
        "Ann &lt;Lee&gt;: membership M-12 ends on Sat 1 Mar 2025. Renew it with `/membership renew M-12`."
    )
    assert said.blocks == []  # Slack shows the text


def test_services_tomorrow_lists_the_visits_and_counts_the_rest() -> None:
    visit = {
        "starts_at": "2025-01-14T09:00:00+01:00",
        "customer": "Big & Co",
        "job": "HVAC",
        "task": "<Filter>",
    }
    said = notifications.render(
        Kind.SERVICES_TOMORROW, {"day": "2025-01-14", "visits": [visit] * 2, "count": 5}
    )
    assert said.text == (
        "*Services tomorrow, Tue 14 Jan 2025*\n"
        "• 09:00 Big &amp; Co: HVAC / &lt;Filter&gt;\n"
        "• 09:00 Big &amp; Co: HVAC / &lt;Filter&gt;\n"
        "…and 3 more."
    )
    none = notifications.render(Kind.SERVICES_TOMORROW, {"day": "2025-01-14", "visits": [], "count": 0})
    assert none.text == "*Services tomorrow, Tue 14 Jan 2025*\nNo visits are planned."


def test_the_weekly_digest_lists_the_credits_at_risk() -> None:
    credits = [
        {"customer_id": 1, "customer": "Big Spender", "unit": "money", "quantity": "50"},
        {"customer_id": 2, "customer": "Small & <Co>", "unit": "credit", "quantity": "3"},
    ]
    data = {"week_from": "2025-01-13", "currency": "USD", "credits": credits}
    said = notifications.render(Kind.CREDITS_WEEKLY_DIGEST, data)
    assert said.text == (
        "*Credits expiring in the week from Mon 13 Jan 2025*\n"
        "• Big Spender: $50.00 of credit\n"
        "• Small &amp; &lt;Co&gt;: 3 credits"
    )
    empty = notifications.render(Kind.CREDITS_WEEKLY_DIGEST, {**data, "credits": []})
    assert empty.text == "*Credits expiring in the week from Mon 13 Jan 2025*\nNo credits expire that week."


def test_a_catch_up_summary_quotes_the_first_line_of_each_reminder() -> None:
    services = {"day": "2025-02-03", "visits": [], "count": 0}
    reminders = [
        {"kind": Kind.CREDITS_EXPIRING.value, "data": EXPIRING},
        {"kind": Kind.SERVICES_TOMORROW.value, "data": services},
    ]
    data = {"first": "2025-02-02", "last": "2025-02-13", "count": 23, "reminders": reminders}
    said = notifications.render(Kind.CATCH_UP_SUMMARY, data)
    assert said.text == (
        "*While memberbot was not running (Sun 2 Feb to Thu 13 Feb 2025), 23 reminders came due:*\n"
        "• Small &amp; &lt;Co&gt;: 4 credits expire after Thu 13 Feb 2025 (in 7 days).\n"
        "• *Services tomorrow, Mon 3 Feb 2025*\n"
        "…and 21 more."
    )
    assert said.blocks == []


def test_a_message_queued_as_text_before_kinds_is_posted_as_it_was() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hi* <@U1>"}}]
    said = notifications.render(Kind.RENDERED, {"text": "*Hi* <@U1>", "blocks": blocks})
    assert (said.text, said.blocks) == ("*Hi* <@U1>", blocks)


def test_every_kind_has_a_renderer_and_an_unknown_one_is_refused() -> None:
    # Slack's kinds have a renderer; e-mail's have their templates in bot/mail.py instead.
    assert set(notifications.RENDERERS) == {k for k in Kind if not k.startswith(EMAIL)}
    assert set(mail.PREPARE) == set(mail.NAMES) == {k for k in Kind if k.startswith(EMAIL)}
    with pytest.raises(notifications.UnknownKind, match=r"credits\.someday"):
        notifications.render("credits.someday", {})


def test_a_hostile_name_of_thousands_of_characters_stays_within_slacks_limits() -> None:
    name = "<!channel> <@U0EVIL> <https://evil.example|x> & " * 200
    for kind, data in [
        (Kind.CREDITS_EXPIRING, EXPIRING),
        (Kind.BALANCE_ALERT, ALERT),
        (Kind.CLASS_WAITLIST_BOOKED, {**WAITLIST_BOOKED, "skipped": [{"customer": name, "reason": name}]}),
    ]:
        said = notifications.render(kind, {**data, "customer": name})
        assert message_problems({"text": said.text, "blocks": said.blocks}) == []
        assert len(said.text) <= TEXT_MAX
        assert "<!channel>" not in said.text and "<@U0EVIL>" not in said.text and "<https" not in said.text


WAITLIST_BOOKED: dict[str, Any] = {
    "booking_id": 41,
    "customer_id": 7,
    "customer": "Bo's <Bakery>",
    "series": "Yoga *hot*",
    "starts_at": "2025-01-20T18:00:00-05:00",
    "membership_id": 12,
    "credit_spent": False,
    "skipped": [],
}


def test_a_booking_from_the_waitlist_says_who_got_the_place_and_who_was_passed_over() -> None:
    said = notifications.render(Kind.CLASS_WAITLIST_BOOKED, WAITLIST_BOOKED)
    assert said.text == (
        "Bo's &lt;Bakery&gt; was on the waitlist of *Yoga \u2217hot\u2217* on Mon 20 Jan 2025 18:00 "
        "and a place freed up: they are booked, *B-41*. No credit was spent: M-12 books without "
        "credits. Please let them know; `/classes cancel B-41` gives the place back."
    )
    skipped = [{"customer": "Ann", "reason": "Ann has no session credit."}]
    passed = notifications.render(Kind.CLASS_WAITLIST_BOOKED, {**WAITLIST_BOOKED, "skipped": skipped})
    assert passed.text.endswith("gives the place back.\nPassed over: Ann — Ann has no session credit.")


DECIDED_SALE: dict[str, Any] = {
    "reference": "M-12",
    "ts": "1700000000.000001",
    "customer": "Bo's <Bakery>",
    "plan": "Silver",
    "start": "2025-02-01",
    "end": None,
    "status": "rejected",
    "outcome": "rejected",
    "decided_by": "UMANAGER",
    "decided_at": "2025-01-15T15:00:00+00:00",
    "reason": "Wrong *plan* <!channel>",
}


def test_a_decided_sale_updates_its_request_in_place_without_buttons() -> None:
    said = notifications.render(Kind.APPROVAL_DECIDED, DECIDED_SALE)
    assert said.update == "1700000000.000001"
    assert said.text == (
        "*Membership M-12* for *Bo's &lt;Bakery&gt;*: Silver, Sat 1 Feb 2025 to no end date\n"
        "Rejected by <@UMANAGER>: Wrong \u2217plan\u2217 &lt;!channel&gt;. It is now *rejected*."
    )  # names and the reason made safe, as on the request's own message
    assert all(b["type"] == "section" for b in said.blocks)  # no buttons left
    assert said.thread.startswith("M-12 was rejected by <@UMANAGER>: Wrong")
    assert message_problems({"text": said.text, "blocks": said.blocks}) == []


def test_a_decided_change_names_who_asked_and_the_cli_as_an_operator() -> None:
    data = {
        "reference": "A-3",
        "ts": "1700000000.000002",
        "summary": "Grant 25 credits to Anna Yoga: loyalty",
        "requested_by": "UADMIN",
        "outcome": "approved",
        "decided_by": "system",
        "decided_at": "2025-01-15T15:00:00+00:00",
        "reason": "",
    }
    said = notifications.render(Kind.APPROVAL_DECIDED, data)
    line = "A-3 was approved by an operator (`memberbot approvals`)."
    assert said.text == f"*A-3* Grant 25 credits to Anna Yoga: loyalty\nAsked by <@UADMIN>. {line}"
    assert (said.update, said.thread) == ("1700000000.000002", line)
