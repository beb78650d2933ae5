"""`cxm report kpi` and `decomposition`: figures by hand on a small chain."""

import json

import pytest
from django.core.management import call_command


def report(capsys, *args):
    call_command("report", *args, "--format", "json")
    return json.loads(capsys.readouterr().out)


def test_kpi_by_store_nets_returns_and_divides_by_traffic(sales, capsys):
    data = report(capsys, "kpi", "--from", "2026-03-02", "--to", "2026-03-08", "--by", "store")
    rows = {r["store"]: r for r in data["rows"]}
    msk1 = rows["MSK-1"]
    assert msk1["revenue"] == 2000.00  # 1500 + 1500 − 1000 return
    assert msk1["receipts"] == 2
    assert msk1["units"] == 2  # 4 sold − 2 returned
    assert msk1["traffic"] == 40
    assert msk1["conversion"] == pytest.approx(0.05)
    assert msk1["average_ticket"] == 1000.00
    assert rows["MSK-2"]["revenue"] == 1500.00
    assert rows["NSK-1"]["receipts"] == 0
    assert data["total"]["revenue"] == 3500.00
    assert data["previous"]["revenue"] == 1500.00


def test_decomposition_effects_sum_to_the_change(sales, capsys):
    data = report(
        capsys,
        "decomposition",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-08",
        "--base-from",
        "2026-02-23",
        "--base-to",
        "2026-03-01",
    )
    [row] = data["rows"]
    assert row["revenue"] == 3500.00 and row["base_revenue"] == 1500.00
    effects = row["traffic_effect"] + row["conversion_effect"] + row["ticket_effect"]
    assert effects == pytest.approx(2000.00)


def test_a_seller_report_has_no_conversion(sales, capsys):
    data = report(capsys, "kpi", "--from", "2026-03-02", "--to", "2026-03-08", "--by", "seller")
    rows = {r["seller"]: r for r in data["rows"]}
    assert rows["MSK-1-S1"]["revenue"] == 2000.00
    assert rows["MSK-2-S1"]["revenue"] == 1500.00
    assert rows["MSK-1-S1"]["conversion"] is None


def test_daily_rows_fall_on_local_days(sales, capsys):
    data = report(capsys, "kpi", "--from", "2026-03-02", "--to", "2026-03-08", "--by", "day")
    assert [(r["day"], r["receipts"]) for r in data["rows"]] == [
        ("2026-03-02", 2),
        ("2026-03-03", 1),
    ]


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_other_formats_print_the_same_rows(sales, capsys, fmt):
    call_command(
        "report",
        "kpi",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-08",
        "--by",
        "store",
        "--format",
        fmt,
    )
    out = capsys.readouterr().out
    assert "MSK-1" in out and "MSK-2" in out


def test_xlsx_is_written_to_a_file(sales, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "kpi.xlsx"
    call_command(
        "report",
        "kpi",
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-08",
        "--by",
        "store",
        "--format",
        "xlsx",
        "--output",
        str(path),
    )
    sheet = load_workbook(path).active
    assert sheet.cell(1, 1).value == "store"
    assert sheet.max_row == 4


def test_an_unknown_store_is_a_clear_error(sales):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="NOPE"):
        call_command(
            "report", "kpi", "--from", "2026-03-02", "--to", "2026-03-08", "--store", "NOPE"
        )
