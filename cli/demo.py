"""Demo data, written once into an empty workspace by core's demo flow (core/demo/flows.py): a
little for `memberbot demo` (`demo_workspace`), and more for `memberbot sandbox` (`seed_sandbox`:
a dozen customers, memberships in every state, credit histories with lots about to expire, a class
series)."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from core.catalog import flows as catalog
from core.catalog import locations
from core.catalog.services import ServiceInput, ServiceKind
from core.classes.service import SeriesTerms
from core.context import Ctx
from core.credits.lots import Unit
from core.credits.terms import CreditKind, CreditTerms, Expiry
from core.demo import flows as demo
from core.demo.flows import ClassSeries, Credit, PlanSetup, Sale, Visit, Workspace
from core.kernel.recurrence import LAST_DAY, Monthly, Weekly

_GOLD = PlanSetup(
    "Gold",
    (
        Visit("Tune-up", Monthly(15, (3, 9)), time(9, 0)),
        Visit("Filter change", Monthly(LAST_DAY, tuple(range(1, 13))), time(14, 0)),
    ),
    CreditTerms(
        kind=CreditKind.SERVICE, initial=Decimal(2), per_period=Decimal(4), expiry=Expiry.DAYS, expiry_days=45
    ),
)
_SILVER = PlanSetup(
    "Silver",
    (Visit("Filter change", Monthly(1, (1, 4, 7, 10)), time(10, 0)),),
    CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(1), expiry=Expiry.DAYS, expiry_days=60),
)
_PLATINUM_VISITS = (Visit("Filter change", Weekly(2, (1, 3)), time(8, 30)),)


def _hvac(
    plans: tuple[PlanSetup, ...],
    sales: tuple[Sale, ...],
    credits: tuple[Credit, ...] = (),
    classes: tuple[ClassSeries, ...] = (),
) -> Workspace:
    """The HVAC business downtown."""
    job = ("HVAC maintenance", "Seasonal care of heating and cooling")
    return Workspace("Downtown", *job, ("Filter change", "Tune-up"), plans, sales, credits, classes)


def demo_workspace(today: date) -> Workspace:
    """`memberbot demo`'s: three customers on Gold and Platinum since 20 days ago."""
    start = today - timedelta(days=20)
    people = (
        ("Café Müller", "Anna Müller", "anna@cafe-mueller.example", "Gold"),
        ("Northwind Traders", "Nancy Davolio", "nancy@northwind.example", "Platinum"),
        ("Blue Fin Spa", "Joao Pereira", "joao@bluefin.example", "Gold"),
    )
    sales = tuple(Sale(company, contact, email, plan, start) for company, contact, email, plan in people)
    return _hvac((_GOLD, PlanSetup("Platinum", _PLATINUM_VISITS)), sales)


def seed_sandbox(ctx: Ctx, seller: str, other_seller: str) -> None:
    """The sandbox's workspace, as an admin (`ctx.actor`) who approves what `seller` and
    `other_seller` (staff members) sold: they are the ones reminded of their customers' credits."""
    today = ctx.today()

    def day(offset: int) -> date:
        return today + timedelta(days=offset)

    def sale(
        company: str,
        contact: str,
        plan: str | None,
        by: str,
        start: int,
        end: int | None = None,
        *,
        approved: bool = True,
        frozen: str = "",
    ) -> Sale:
        email = f"{contact.split()[0].lower()}@{company.split()[0].lower().replace('é', 'e')}.example"
        ends = None if end is None else day(end)
        return Sale(company, contact, email, plan, day(start), ends, by, approved, frozen)

    sales = (
        sale("Café Müller", "Anna Müller", "Gold", seller, -20),
        sale("Northwind Traders", "Nancy Davolio", "Platinum", other_seller, -75),
        sale("Blue Fin Spa", "Joao Pereira", "Gold", seller, -40),
        sale("Harbour Gym", "Hana Sato", "Silver", seller, 0, approved=False),
        sale(
            "Oak & Ivy Salon", "Olivia Brown", "Gold", other_seller, -60, frozen="Travelling for two months"
        ),
        sale("Lakeside Dental", "Liam Walsh", "Silver", seller, -375, -10),
        sale("Pinecrest Bakery", "Paula Reyes", "Silver", other_seller, -500, -135),
        sale("Riverside Yoga", "Ravi Shah", "Platinum", seller, -332, 33),
        sale("Summit Climbing", "Sofia Rossi", "Gold", other_seller, 3, approved=False),
        sale("Maple Street Clinic", "Mei Chen", "Silver", seller, -100),
        sale("Seaside Barbers", "Sam O'Neill", "Platinum", other_seller, -10),
        sale("Golden Gate Pilates", "Grace Park", None, seller, 0),  # a prospect
    )
    platinum = PlanSetup(
        "Platinum",
        _PLATINUM_VISITS,
        CreditTerms(kind=CreditKind.SERVICE, per_period=Decimal(8), expiry=Expiry.MEMBERSHIP_END),
    )
    # Credits used, and lots about to expire: their reminders come as the clock moves on. Account
    # credit above the workspace's alert threshold: the specialist hears of it.
    credits = (
        Credit("Café Müller", Decimal(-1), "demo:redeem:cafe"),
        Credit("Northwind Traders", Decimal(-3), "demo:redeem:northwind"),
        Credit(
            "Seaside Barbers", Decimal(150), "demo:refund:seaside", Unit.MONEY, "Refund of a double charge"
        ),
        *(
            Credit(
                company, Decimal(n), f"demo:goodwill:{company}", reason="Goodwill credit", last_day=day(days)
            )
            for company, n, days in (
                ("Blue Fin Spa", 2, 3),
                ("Maple Street Clinic", 1, 6),
                ("Café Müller", 2, 12),
            )
        ),
    )
    # A class three mornings a week, with a seat booked by a Gold member.
    mobility = SeriesTerms(
        name="Morning mobility",
        location_id=0,  # the workspace's location
        schedule=Weekly(1, (0, 2, 4)),
        starts_on=today,
        start_time=time(7, 30),
        capacity=12,
        duration_minutes=45,
    )
    classes = (ClassSeries(mobility, "Café Müller"),)
    demo.seed(ctx, _hvac((_GOLD, _SILVER, platinum), sales, credits, classes))
    _spa_catalog(ctx)


# The spa's menu, so `/checkout Café Müller: 1 x Massage 60 @ 100` and `/services` show real lines.
_SPA = (
    ServiceInput("Massage 60", ServiceKind.SERVICE, "Massage", Decimal(100), 60),
    ServiceInput("Massage 90", ServiceKind.SERVICE, "Massage", Decimal(140), 90),
    ServiceInput("Facial", ServiceKind.SERVICE, "Skin", Decimal(80), 45),
    ServiceInput("Manicure", ServiceKind.SERVICE, "Nails", Decimal(35), 30),
    ServiceInput("Oil", ServiceKind.PRODUCT, "Retail", Decimal(18)),
    ServiceInput("Candle", ServiceKind.PRODUCT, "Retail", Decimal(12)),
)


def _spa_catalog(ctx: Ctx) -> None:
    """The services and products, a location's own price, and an equality template: a credit for a
    60-minute massage (2 units) goes two thirds of the way to a 90-minute one (3 units)."""
    made = {s.name: catalog.new_service(ctx, s).service.id for s in _SPA}
    where = locations.locations(ctx)[0].name
    catalog.price_at(ctx, "Massage 60", where, "110")
    catalog.save_template(ctx, None, "Massage minutes", {made["Massage 60"]: 2, made["Massage 90"]: 3})
