"""SQLAlchemy 2 schema of the registry. Same tables on SQLite and PostgreSQL.

Every value table carries provenance (``source``, ``source_date``, ``method``) and the import
batch that wrote it. Nothing is overwritten silently: every insert, update and delete is
recorded in ``change_log`` with the row before and after (see :mod:`imcap.store.repo`).
Geometry is kept as GeoJSON text so that both backends hold it without extensions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


class Base(DeclarativeBase):
    pass


class Provenanced:
    """Mixin: source, date and method of a value, plus the batch that wrote it."""

    source: Mapped[str] = mapped_column(String(300))
    source_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    method: Mapped[str] = mapped_column(String(300), default="reported")

    @declared_attr
    def batch_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("import_batch.id"), nullable=True, index=True)


class ImportBatch(Base):
    """One import of one file (or one generator run). Re-importing the same file is detected
    by its sha256 and writes nothing new."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100), default="cli")
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class ChangeLog(Base):
    """Append-only history: every insert/update/delete of a registry row."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100), default="cli")
    entity: Mapped[str] = mapped_column(String(50))
    entity_key: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10))  # insert | update | delete
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)

    __table_args__ = (Index("ix_change_entity", "entity", "entity_key"),)


class Country(Base):
    __tablename__ = "country"
    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso2: Mapped[str | None] = mapped_column(String(2), nullable=True)
    m49: Mapped[int | None] = mapped_column(Integer, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    who_region: Mapped[str | None] = mapped_column(String(10), nullable=True)  # AFR, AMR, ...
    wb_region: Mapped[str | None] = mapped_column(String(60), nullable=True)
    income_group: Mapped[str | None] = mapped_column(String(3), nullable=True)  # LIC LMC UMC HIC
    source: Mapped[str] = mapped_column(String(300))


class Area(Provenanced, Base):
    """Subnational area, hierarchical (parent_id), with GeoJSON geometry (EPSG:4326)."""

    __tablename__ = "area"
    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True)
    level: Mapped[int] = mapped_column(Integer)
    level_name: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    geometry: Mapped[str | None] = mapped_column(Text, nullable=True)


class Population(Provenanced, Base):
    """Population of a country (area_id NULL) or an area, by year."""

    __tablename__ = "population"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"))
    area_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)

    __table_args__ = (Index("ix_population_key", "country_iso3", "area_id", "year"),)


class Facility(Provenanced, Base):
    __tablename__ = "facility"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100))
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"), index=True)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(300))
    facility_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    level: Mapped[str] = mapped_column(String(40), default="other")
    ownership: Mapped[str] = mapped_column(String(40), default="public")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("country_iso3", "external_id", name="uq_facility_ext"),)


class ImagingUnit(Provenanced, Base):
    __tablename__ = "imaging_unit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    modality: Mapped[str] = mapped_column(String(10), index=True)
    make: Mapped[str | None] = mapped_column(String(200), nullable=True)
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    year_installed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(40), default="unknown")
    status_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    maintenance_contract: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    last_qa_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    ae_title: Mapped[str | None] = mapped_column(String(16), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("facility_id", "external_id", name="uq_unit_ext"),)


class UnitStatus(Provenanced, Base):
    """Status history of a unit: one row per observed status (append-only)."""

    __tablename__ = "unit_status"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("imaging_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(40))
    status_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())


class Workforce(Provenanced, Base):
    """Staff counts by cadre at facility, area or country level (the most specific set)."""

    __tablename__ = "workforce"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"), index=True)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), nullable=True)
    cadre: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    count: Mapped[float] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class ExamVolume(Provenanced, Base):
    """Examinations per year, by modality, at unit, facility, area or country level."""

    __tablename__ = "exam_volume"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"), index=True)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), nullable=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("imaging_unit.id"), nullable=True)
    modality: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    exams: Mapped[float] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class CountryFigure(Provenanced, Base):
    """A country- or area-level count or density of a modality or cadre in a year, as a source
    reports it (WHO GHO, OECD, IMAGINE extract, national survey). One row per
    (place, year, item, measure, source)."""

    __tablename__ = "country_figure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"), index=True)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    item_kind: Mapped[str] = mapped_column(String(10))  # modality | cadre
    item: Mapped[str] = mapped_column(String(20))
    measure: Mapped[str] = mapped_column(String(12))  # count | per_million
    value: Mapped[float] = mapped_column(Float)
    flag: Mapped[str | None] = mapped_column(String(20), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    sector: Mapped[str] = mapped_column(String(20), default="total")

    __table_args__ = (Index("ix_figure_key", "country_iso3", "year", "item", "measure"),)


class IndicatorValue(Provenanced, Base):
    """A stored derived indicator (e.g. share of population within 2 h of a functional CT)."""

    __tablename__ = "indicator_value"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(80), index=True)
    country_iso3: Mapped[str] = mapped_column(ForeignKey("country.iso3"), index=True)
    area_id: Mapped[str | None] = mapped_column(ForeignKey("area.id"), nullable=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    detail: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class Scenario(Base):
    """A named scenario (plan, siting, impact, access run) with its inputs and results."""

    __tablename__ = "scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    country_iso3: Mapped[str | None] = mapped_column(ForeignKey("country.iso3"), nullable=True)
    inputs: Mapped[dict] = mapped_column(JSON)
    results: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100), default="cli")
    version: Mapped[int] = mapped_column(Integer, default=1)
