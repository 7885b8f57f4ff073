"""initial registry schema

Revision ID: 0001
Revises:
Create Date: 2026-11-24 02:53:52.383217
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "country",
        sa.Column("iso3", sa.String(length=3), nullable=False),
        sa.Column("iso2", sa.String(length=2), nullable=True),
        sa.Column("m49", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("who_region", sa.String(length=10), nullable=True),
        sa.Column("wb_region", sa.String(length=60), nullable=True),
        sa.Column("income_group", sa.String(length=3), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("iso3"),
    )
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column(
            "imported_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_batch_sha256"), ["sha256"], unique=False)

    op.create_table(
        "area",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("parent_id", sa.String(length=60), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("level_name", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=True),
        sa.Column("geometry", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["area.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_area_country_iso3"), ["country_iso3"], unique=False)

    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(), server_default=sa.text("(CURRENT_TIMESTAMP)"), nullable=False
        ),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_key", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_entity", ["entity", "entity_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_log_at"), ["at"], unique=False)

    op.create_table(
        "scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "country_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=10), nullable=False),
        sa.Column("item", sa.String(length=20), nullable=False),
        sa.Column("measure", sa.String(length=12), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("flag", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("sector", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("country_figure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_country_figure_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_country_figure_country_iso3"), ["country_iso3"], unique=False
        )
        batch_op.create_index(
            "ix_figure_key", ["country_iso3", "year", "item", "measure"], unique=False
        )

    op.create_table(
        "facility",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("facility_type", sa.String(length=200), nullable=True),
        sa.Column("level", sa.String(length=40), nullable=False),
        sa.Column("ownership", sa.String(length=40), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("country_iso3", "external_id", name="uq_facility_ext"),
    )
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_facility_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_facility_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_facility_country_iso3"), ["country_iso3"], unique=False
        )

    op.create_table(
        "indicator_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=80), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_value_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_indicator_value_country_iso3"), ["country_iso3"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_indicator_value_indicator"), ["indicator"], unique=False
        )

    op.create_table(
        "population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_population_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            "ix_population_key", ["country_iso3", "area_id", "year"], unique=False
        )

    op.create_table(
        "imaging_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("modality", sa.String(length=10), nullable=False),
        sa.Column("make", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("year_installed", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column("maintenance_contract", sa.Boolean(), nullable=True),
        sa.Column("last_qa_date", sa.Date(), nullable=True),
        sa.Column("ae_title", sa.String(length=16), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility_id", "external_id", name="uq_unit_ext"),
    )
    with op.batch_alter_table("imaging_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imaging_unit_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_imaging_unit_facility_id"), ["facility_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_imaging_unit_modality"), ["modality"], unique=False)

    op.create_table(
        "workforce",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("cadre", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("count", sa.Float(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("workforce", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workforce_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_workforce_country_iso3"), ["country_iso3"], unique=False
        )

    op.create_table(
        "exam_volume",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country_iso3", sa.String(length=3), nullable=False),
        sa.Column("area_id", sa.String(length=60), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("modality", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("exams", sa.Float(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["country_iso3"],
            ["country.iso3"],
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facility.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["imaging_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("exam_volume", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_volume_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exam_volume_country_iso3"), ["country_iso3"], unique=False
        )

    op.create_table(
        "unit_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["imaging_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unit_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_status_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_status_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("unit_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_status_unit_id"))
        batch_op.drop_index(batch_op.f("ix_unit_status_batch_id"))

    op.drop_table("unit_status")
    with op.batch_alter_table("exam_volume", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_volume_country_iso3"))
        batch_op.drop_index(batch_op.f("ix_exam_volume_batch_id"))

    op.drop_table("exam_volume")
    with op.batch_alter_table("workforce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workforce_country_iso3"))
        batch_op.drop_index(batch_op.f("ix_workforce_batch_id"))

    op.drop_table("workforce")
    with op.batch_alter_table("imaging_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imaging_unit_modality"))
        batch_op.drop_index(batch_op.f("ix_imaging_unit_facility_id"))
        batch_op.drop_index(batch_op.f("ix_imaging_unit_batch_id"))

    op.drop_table("imaging_unit")
    with op.batch_alter_table("population", schema=None) as batch_op:
        batch_op.drop_index("ix_population_key")
        batch_op.drop_index(batch_op.f("ix_population_batch_id"))

    op.drop_table("population")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_value_indicator"))
        batch_op.drop_index(batch_op.f("ix_indicator_value_country_iso3"))
        batch_op.drop_index(batch_op.f("ix_indicator_value_batch_id"))

    op.drop_table("indicator_value")
    with op.batch_alter_table("facility", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_facility_country_iso3"))
        batch_op.drop_index(batch_op.f("ix_facility_batch_id"))
        batch_op.drop_index(batch_op.f("ix_facility_area_id"))

    op.drop_table("facility")
    with op.batch_alter_table("country_figure", schema=None) as batch_op:
        batch_op.drop_index("ix_figure_key")
        batch_op.drop_index(batch_op.f("ix_country_figure_country_iso3"))
        batch_op.drop_index(batch_op.f("ix_country_figure_batch_id"))

    op.drop_table("country_figure")
    op.drop_table("scenario")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_log_at"))
        batch_op.drop_index("ix_change_entity")

    op.drop_table("change_log")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_country_iso3"))
        batch_op.drop_index(batch_op.f("ix_area_batch_id"))

    op.drop_table("area")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_sha256"))

    op.drop_table("import_batch")
    op.drop_table("country")
