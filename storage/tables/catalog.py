"""What a business sells and where: locations, job and task templates, services and equality templates."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from storage.tables.base import Entity, Named, TenantRow
from storage.types import Money


class Location(Entity, Named, table=True):
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)


class JobTemplate(Entity, Named, table=True):
    __tablename__ = "job_template"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)
    description: str = Field(default="", max_length=2000)


class TaskTemplate(Entity, Named, table=True):
    __tablename__ = "task_template"
    __table_args__ = (UniqueConstraint("job_template_id", "name_key"),)
    job_template_id: int = Field(foreign_key="job_template.id")


class Service(Entity, Named, table=True):
    """A service or product the business sells; service credits can be limited to some services or
    categories. A product is sold at checkout under its name as product code."""

    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)
    category: str = Field(default="", max_length=100)
    duration_minutes: int | None = None
    kind: str = Field(default="service", max_length=8)  # service | product
    price: Decimal | None = Field(default=None, sa_type=Money)  # the list price; None: priced at the desk
    active: bool = True  # inactive: listed as such, kept for history


class ServicePrice(TenantRow, table=True):
    """A location's own price for a service or product."""

    __tablename__ = "service_price"
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    price: Decimal = Field(sa_type=Money)


class EqualityTemplate(Entity, Named, table=True):
    """Which services may stand in for which: each listed service costs `cost` credits."""

    __tablename__ = "equality_template"
    __table_args__ = (UniqueConstraint("tenant_id", "name_key"),)


class EqualityEntry(TenantRow, table=True):
    __tablename__ = "equality_entry"
    template_id: int = Field(foreign_key="equality_template.id", primary_key=True)
    service_id: int = Field(foreign_key="service.id", primary_key=True)
    cost: int
