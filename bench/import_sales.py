"""Benchmark (issue 4): a 1,000,000-line sales file through the upload's own service into a fresh SQLite
database, against a raw executemany of the same rows into an equivalent table. Prints rows per second, the ratio,
and the import's peak memory. Run with `make bench`; speed is measured here, never asserted in tests."""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "partner_code",
    "order_no",
    "line_no",
    "order_date",
    "customer_code",
    "customer_name",
    "customer_region",
    "sku",
    "quantity",
    "unit_price",
    "discount",
]
SKUS = [f"SKU-{n:04d}" for n in range(200)]


def generate(path: Path, lines: int) -> None:
    """Lines of 5 partners over 24 months, 3 lines an order, 4-decimal prices, some returns and discounts."""
    rng = random.Random(7)
    start = date(2024, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(lines):
            order, line_no = divmod(n, 3)
            customer = rng.randrange(5000)
            writer.writerow(
                [
                    f"P-B-{order % 5}",
                    f"SO-{order:07d}",
                    line_no + 1,
                    (start + timedelta(days=(order * 730) // (lines // 3 + 1))).isoformat(),
                    f"C-{customer:05d}",
                    f"Customer {customer} Co., Ltd.",
                    "广东深圳",
                    SKUS[rng.randrange(len(SKUS))],
                    rng.choice(["1", "2", "5", "12.5", "-1"]),
                    f"{rng.randrange(100, 99999) / 100:.4f}",
                    "0" if rng.random() < 0.8 else "1.5",
                ]
            )


def run_import(path: Path, database: Path) -> tuple[float, int]:
    """The upload path: read_table over the file, record_sales_lines, one commit. Returns (seconds, rows)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["QUDAO_HUEY_IMMEDIATE"] = "1"
    os.environ["QUDAO_INSTANCE_DIR"] = str(database.parent / "instance")
    from decimal import Decimal

    from flask_migrate import upgrade

    from orders.intake import COLUMNS, ReportingRules, record_sales_lines
    from orders.models import Product, SubmissionSource
    from partners.models import Partner, PartnerType, ProductLine, Region, RegionLevel
    from portal import create_app, tenancy
    from portal.auth.models import User
    from portal.extensions import db
    from portal.security import Role
    from portal.tabular import read_table

    app = create_app()
    with app.app_context():
        upgrade()
        with tenancy.every_partner(reason="benchmark set-up"):
            region = Region(code="CN", level=RegionLevel.COUNTRY, name_en="China", name_zh="中国", path="/CN/")
            line = ProductLine(code="PL", name_en="Line", name_zh="产品线")
            db.session.add_all([region, line])
            db.session.add_all(
                Partner(code=f"P-B-{n}", legal_name=f"Bench {n}", partner_type=PartnerType.AGENT, region=region)
                for n in range(5)
            )
            db.session.add_all(
                Product(sku=sku, name_en=sku, name_zh=sku, product_line=line, unit="pcs", list_price=Decimal("10"))
                for sku in SKUS
            )
            admin = User(email="bench@example.com", name="Bench", role=Role.ADMIN)
            db.session.add(admin)
            db.session.commit()
            tenancy.set_scope(db.session(), admin)
            rules = ReportingRules(today=date(2026, 11, 23), open_months=3, may_report_closed_periods=True)

            def read_rows():
                handle = path.open("rb")
                return iter(read_table(handle, path.name, COLUMNS, max_bytes=1 << 40))

            started = time.perf_counter()
            result = record_sales_lines(
                read_rows, actor=admin, source=SubmissionSource.UPLOAD, filename=path.name, rules=rules
            )
            db.session.commit()
            elapsed = time.perf_counter() - started
    assert result.ok, result.errors[:5]
    return elapsed, result.rows


def run_raw(path: Path, database: Path) -> tuple[float, int]:
    """The same rows, read with the csv module and inserted with executemany into an equivalent table."""
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("""CREATE TABLE sales_lines (id INTEGER PRIMARY KEY, partner_code TEXT, order_no TEXT,
        line_no INTEGER, order_date TEXT, customer_code TEXT, customer_name TEXT, customer_region TEXT, sku TEXT,
        quantity TEXT, unit_price TEXT, discount TEXT, UNIQUE (partner_code, order_no, line_no))""")
    started = time.perf_counter()
    rows = 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        while chunk := [row for _, row in zip(range(10_000), reader, strict=False)]:
            connection.executemany(
                "INSERT INTO sales_lines (partner_code, order_no, line_no, order_date, "
                "customer_code, customer_name, customer_region, sku, quantity, unit_price, "
                "discount) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                chunk,
            )
            rows += len(chunk)
    connection.commit()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--child", choices=["import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "import":  # a process of its own, so that its peak memory is the import's
        seconds, rows = run_import(args.file, args.db)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{seconds} {rows} {peak_mb}")
        return
    import subprocess

    with tempfile.TemporaryDirectory(prefix="qudao-bench-") as tmp:
        tmp_path = Path(tmp)
        source = tmp_path / "sales.csv"
        print(f"generating {args.lines:,} lines …", flush=True)
        generate(source, args.lines)
        print(f"file: {source.stat().st_size / 1e6:.1f} MB", flush=True)
        raw_seconds, raw_rows = run_raw(source, tmp_path / "raw.db")
        out = subprocess.run(
            [sys.executable, __file__, "--child", "import", "--file", str(source), "--db", str(tmp_path / "qudao.db")],
            check=True,
            capture_output=True,
            text=True,
        )
        seconds, rows, peak_mb = out.stdout.split()[-3:]
        seconds, rows, peak_mb = float(seconds), int(rows), float(peak_mb)
    raw_rate, rate = raw_rows / raw_seconds, rows / seconds
    print(f"raw executemany : {raw_rows:,} rows in {raw_seconds:.1f} s = {raw_rate:,.0f} rows/s")
    print(f"Qudao import    : {rows:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s")
    print(f"ratio           : {rate / raw_rate:.2f} (target ≥ 0.50)")
    print(f"peak memory     : {peak_mb:.0f} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
