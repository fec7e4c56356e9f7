"""Benchmark (issue 6) on one database: 2,000 partners and 1,000,000 sales lines over 24 months, then
(a) every partner's KPIs and scores recomputed against one raw SQL GROUP BY over the lines,
(b) the evaluation page and one partner's scorecard under concurrent load (gunicorn, 2 workers),
(c) one PDF scorecard.
`make bench` runs it on SQLite and on a throwaway PostgreSQL; speed is measured here, never in tests."""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-2026"
ADMIN_EMAIL = "bench@qudao.example"
TYPES = ["distributor", "wholesaler", "reseller", "agent"]


def build(partners: int, lines: int, months: int) -> date:
    """Fill the migrated database; returns the last complete month."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from orders.models import Customer, Product, Submission
    from partners.models import Partner, ProductLine, Region
    from partners.regions import load_regions, region_by_code
    from portal import tenancy
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.calendar import add_months, local_today, month_start
    from portal.extensions import db
    from portal.security import Role

    upgrade()
    with tenancy.every_partner(reason="benchmark data"):
        load_regions()
        provinces = list(db.session.scalars(select(Region).where(Region.parent_id == region_by_code("CN").id)))
        lines_of = [ProductLine(code=f"L{n}", name_en=f"Line {n}", name_zh=f"产品线{n}") for n in range(3)]
        products = [
            Product(
                sku=f"SKU-{n:03d}",
                name_en=f"P {n}",
                name_zh=f"产品{n}",
                product_line=lines_of[n % 3],
                unit="pcs",
                list_price=Decimal("10"),
            )
            for n in range(60)
        ]
        db.session.add_all(lines_of + products)
        admin = User(email=ADMIN_EMAIL, name="Bench", role=Role.ADMIN, password_hash=hash_password(PASSWORD))
        db.session.add(admin)
        db.session.flush()
        joined = datetime(2020, 1, 1, tzinfo=UTC)
        table = Partner.__table__
        db.session.execute(
            table.insert(),
            [
                {
                    "code": f"P-B-{n:04d}",
                    "legal_name": f"Bench Partner {n}",
                    "name_key": f"bench partner {n}",
                    "partner_type": TYPES[n % 4],
                    "tier": "registered",
                    "status": "active",
                    "region_id": provinces[n % len(provinces)].id,
                    "created_at": joined,
                    "updated_at": joined,
                    "joined_on": joined.date(),  # scored from their first month on
                    "status_since": joined.date(),
                    "version_id": 1,
                }
                for n in range(partners)
            ],
        )
        partner_ids = list(db.session.scalars(select(Partner.id).order_by(Partner.id)))
        db.session.execute(
            User.__table__.insert(),
            [
                {
                    "email": f"user{pid}@bench.example",
                    "name": f"User {pid}",
                    "role": "partner_user",
                    "partner_id": pid,
                    "is_active": True,
                    "created_at": joined,
                    "updated_at": joined,
                }
                for pid in partner_ids
            ],
        )
        db.session.execute(
            Customer.__table__.insert(),
            [
                {
                    "partner_id": pid,
                    "code": f"C-{c:02d}",
                    "name": f"Customer {pid}-{c}",
                    "name_key": f"customer {pid}-{c}",
                    "created_at": joined,
                    "updated_at": joined,
                }
                for pid in partner_ids
                for c in range(25)
            ],
        )
        db.session.execute(
            Submission.__table__.insert(),
            [
                {
                    "partner_id": pid,
                    "source": "upload",
                    "status": "completed",
                    "filename": "history.csv",
                    "created_at": joined,
                    "row_count": 0,
                    "total_amount": Decimal(0),
                }
                for pid in partner_ids
            ],
        )
        last = add_months(month_start(local_today()), -1)
        written = add_sales([add_months(last, -n) for n in range(months)], lines, random.Random(6))
        db.session.commit()
    check_rollups()
    analyse_tables()
    print(f"  data: {partners:,} partners, {written:,} lines over {months} months", flush=True)
    return last


def add_sales(periods: list[date], lines: int, rng: random.Random) -> int:
    """About `lines` sales lines over `periods` for every partner (partners of different sizes), their roll-ups
    moved as the portal moves them (orders.rollup), a target for each month and a report for each month whose
    deadline has passed. The caller holds the every-partner scope and commits; returns the lines written."""
    from sqlalchemy import select

    from orders import rollup
    from orders.models import Customer, PeriodReport, Product, SalesLine, Submission
    from partners.models import Partner
    from performance.models import SalesTarget
    from portal.calendar import add_months, local_today, month_start
    from portal.extensions import db

    partner_ids = list(db.session.scalars(select(Partner.id).order_by(Partner.id)))
    customers = defaultdict(list)
    for cid, pid in db.session.execute(select(Customer.id, Customer.partner_id).order_by(Customer.id)):
        customers[pid].append(cid)
    submission = dict(db.session.execute(select(Submission.partner_id, Submission.id)).all())
    line_of = dict(db.session.execute(select(Product.id, Product.product_line_id).order_by(Product.id)).all())
    product_ids = list(line_of)
    per_partner_month = lines / (len(partner_ids) * len(periods))
    batch, written, now = [], 0, datetime.now(UTC)
    deltas = rollup.Deltas()
    for index, pid in enumerate(partner_ids):
        scale = 0.4 + 1.2 * ((index * 7919) % len(partner_ids)) / len(partner_ids)  # partners of different sizes
        for period in periods:
            count = max(1, int(per_partner_month * scale + rng.random()))
            for line_no in range(count):
                if written + len(batch) >= lines:
                    break
                quantity = Decimal(rng.choice(["1", "2", "5", "12.5", "-1"]))
                price = Decimal(rng.randrange(100, 99999)) / 100
                line = rollup.LineFacts(
                    pid,
                    period,
                    rng.choice(customers[pid]),
                    product := rng.choice(product_ids),
                    line_of[product],
                    quantity * price,
                    quantity,
                    quantity < 0,
                )
                batch.append(
                    {
                        "partner_id": pid,
                        "submission_id": submission[pid],
                        "order_no": f"SO-{period:%y%m}",
                        "line_no": line_no + 1,
                        "order_date": period + timedelta(days=line_no % 27),
                        "period": period,
                        "customer_id": line.customer_id,
                        "product_id": product,
                        "quantity": quantity,
                        "unit_price": price,
                        "discount": Decimal(0),
                        "net_amount": line.net_amount,
                        "is_return": line.is_return,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                deltas.add(line)
            if len(batch) >= 20_000:
                db.session.execute(SalesLine.__table__.insert(), batch)
                written += len(batch)
                batch = []
        if index % 100 == 99:  # a hundred partners' roll-ups at a time: the deltas of all would take gigabytes
            rollup.apply(deltas)
            deltas = rollup.Deltas()
    if batch:
        db.session.execute(SalesLine.__table__.insert(), batch)
        written += len(batch)
    rollup.apply(deltas)
    db.session.execute(
        SalesTarget.__table__.insert(),
        [
            {"partner_id": pid, "period": m, "amount": Decimal(20000), "created_at": now, "updated_at": now}
            for pid in partner_ids
            for m in periods
        ],
    )
    latest = add_months(month_start(local_today()), -1)  # its reports are not due yet
    db.session.execute(
        PeriodReport.__table__.insert(),
        [
            {
                "partner_id": pid,
                "period": m,
                "status": "submitted",
                "submitted_at": now,
                "is_late": rng.random() < 0.1,
            }
            for pid in partner_ids
            for m in periods
            if m < latest
        ],
    )
    return written


def check_rollups() -> None:
    """Stop the benchmark when a roll-up disagrees with the lines it sums: the pages read only roll-ups, and would
    be quick on wrong figures. Exact per partner and month (MonthlySales, quantity included) and per partner,
    product line and month (LineMonthlySales); the product and customer roll-ups summed to those keys in SQL, which
    takes seconds where comparing every product's and customer's row would take minutes at 10,000,000 lines."""
    from sqlalchemy import func, select

    from orders import rollup
    from orders.models import CustomerMonthlySales, Product, ProductMonthlySales, SalesLine
    from portal import tenancy
    from portal.database import exact_sum
    from portal.extensions import db

    started = time.perf_counter()
    by_product, by_customer = ProductMonthlySales, CustomerMonthlySales
    with tenancy.every_partner(reason="benchmark check"):
        months = rollup.fresh_aggregate()
        product_lines = rollup.fresh_line_aggregate()
        checks = {
            "monthly_sales": rollup.stored() == months,
            "line_monthly_sales": rollup.stored_lines() == product_lines,
            "product_monthly_sales": product_lines
            == {
                tuple(row[:3]): tuple(row[3:])
                for row in db.session.execute(
                    select(
                        by_product.partner_id,
                        Product.product_line_id,
                        by_product.period,
                        *(exact_sum(getattr(by_product, name)) for name in rollup.VALUES[:3]),
                        func.sum(by_product.line_count),
                    )
                    .join(Product, Product.id == by_product.product_id)
                    .group_by(by_product.partner_id, Product.product_line_id, by_product.period)
                )
            },
            "customer_monthly_sales": {key: (sums[0], sums[3]) for key, sums in months.items()}
            == {
                (partner_id, period): (net, count)
                for partner_id, period, net, count in db.session.execute(
                    select(
                        by_customer.partner_id,
                        by_customer.period,
                        exact_sum(by_customer.net_amount),
                        func.sum(by_customer.line_count),
                    ).group_by(by_customer.partner_id, by_customer.period)
                )
            }
            and db.session.scalar(select(func.sum(by_customer.sale_lines)))
            == db.session.scalar(select(func.count(SalesLine.id)).where(SalesLine.is_return.is_(False))),
        }
        db.session.rollback()  # end the read, so that ANALYZE may write on SQLite
    wrong = [name for name, agrees in checks.items() if not agrees]
    if wrong:
        raise SystemExit(f"  roll-ups disagree with the lines: {', '.join(wrong)}; no figures on wrong data")
    print(f"  roll-ups agree with the lines ({time.perf_counter() - started:.0f} s to check)", flush=True)


def analyse_tables() -> None:
    """Fresh statistics for the planner, as autovacuum would gather them shortly after a bulk load."""
    from sqlalchemy import text

    from portal.extensions import db

    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def measure_scoring(last: date) -> None:
    """(a) One month's KPIs and scores for every partner, against one raw GROUP BY over the lines."""
    from sqlalchemy import text

    from performance.scoring import compute_recent_scorecards, compute_scorecards
    from portal import tenancy
    from portal.calendar import add_months
    from portal.extensions import db

    with tenancy.every_partner(reason="benchmark"):
        started = time.perf_counter()
        rows = db.session.execute(
            text("SELECT partner_id, period, count(*), sum(net_amount) FROM sales_lines GROUP BY partner_id, period")
        ).all()
        raw = time.perf_counter() - started
        started = time.perf_counter()
        cards = compute_scorecards(last)
        db.session.commit()
        one_month = time.perf_counter() - started
        started = time.perf_counter()
        count = compute_recent_scorecards(add_months(last, -1), 11)  # the rest of the nightly year
        db.session.commit()
        year = time.perf_counter() - started + one_month
    print(f"(a) raw GROUP BY over the lines: {raw:.2f} s ({len(rows):,} groups)")
    print(
        f"    KPIs and scores of every partner for one month: {one_month:.2f} s ({len(cards):,} scorecards) "
        f"— ratio {one_month / raw:.2f} (target ≤ 2)"
    )
    print(f"    the nightly 12 months: {year:.2f} s ({count + len(cards):,} scorecards)", flush=True)


def _client(base: str, email: str = ADMIN_EMAIL):
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)}).encode()
    opener.open(f"{base}/login", body).read()
    return opener


def _timed(opener, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url) as response:
        response.read()
        assert response.status == 200, url
    return time.perf_counter() - started


@contextmanager
def serving(database_url: str, instance: Path) -> Iterator[str]:
    """gunicorn with 2 workers on a free port of 127.0.0.1, as the portal runs; yields its base URL."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "DATABASE_URL": database_url, "QUDAO_INSTANCE_DIR": str(instance)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "wsgi:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login").read()
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def load_pages(
    base: str, pages: dict[str, str], *, users: int, requests: int, label: str = "(b)", email: str = ADMIN_EMAIL
) -> dict[str, tuple[float, float]]:
    """Each page `requests` times from `users` clients at once, logged in as `email`; prints p50, p95 and the
    rate, and returns each page's (p50, p95) in seconds."""
    opener = _client(base, email)
    for url in pages.values():  # warm both workers
        for _ in range(4):
            _timed(opener, f"{base}{url}")
    results = {}
    for name, url in pages.items():
        timings: list[float] = []
        lock = threading.Lock()

        def load(url=url, lock=lock, timings=timings):
            client = _client(base, email)
            for _ in range(requests // users):
                elapsed = _timed(client, f"{base}{url}")
                with lock:
                    timings.append(elapsed)

        threads = [threading.Thread(target=load) for _ in range(users)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        p50, p95 = statistics.median(timings), statistics.quantiles(timings, n=20)[-1]
        results[name] = (p50, p95)
        print(
            f"{label} {name}: {len(timings)} requests, {users} at a time: "
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (target < 150 ms), {len(timings) / wall:.1f} requests/s",
            flush=True,
        )
    return results


def measure_pages(database_url: str, instance: Path, last: date, *, partners: int, users: int, requests: int) -> None:
    """(b) and (c) through gunicorn with 2 workers; the load comes from `users` threads on 127.0.0.1."""
    month = last.strftime("%Y-%m")
    partner_id = 1 + partners // 2
    with serving(database_url, instance) as base:
        pages = {
            "evaluation": f"/performance/evaluation?period={month}",
            "scorecard": f"/performance/partners/{partner_id}/scorecard?period={month}",
        }
        load_pages(base, pages, users=users, requests=requests)
        opener = _client(base)
        pdf_url = f"{base}/performance/partners/{partner_id}/scorecard.pdf?period={month}"
        pdfs = [_timed(opener, pdf_url) for _ in range(5)]
        print(
            f"(c) PDF scorecard: first {pdfs[0]:.2f} s, then median {statistics.median(pdfs[1:]):.2f} s "
            f"(target < 1.5 s)",
            flush=True,
        )


def bench_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options every page benchmark takes; each adds the sizes of its data."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", help="an empty PostgreSQL database; SQLite in a temporary folder when unset")
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--users", type=int, default=4, help="concurrent clients of the load generator")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--keep", type=Path, help=argparse.SUPPRESS)  # reuse a SQLite data set while tuning
    return parser


@dataclass
class BenchDatabase:
    url: str
    instance: Path
    reuse: bool  # --keep found a data set built before
    app: Any


@contextmanager
def bench_database(args: argparse.Namespace, title: str) -> Iterator[BenchDatabase]:
    """A fresh database (or the kept one) and the app on it, as the served instances will find them."""
    with tempfile.TemporaryDirectory(prefix="qudao-bench-") as tmp:
        folder = args.keep or Path(tmp)
        instance = folder / "instance"
        url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
        os.environ.update(DATABASE_URL=url, QUDAO_INSTANCE_DIR=str(instance), QUDAO_HUEY_IMMEDIATE="1")
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from portal import create_app

        print(f"== {title} on {url.split(':')[0]} ==", flush=True)
        yield BenchDatabase(url, instance, bool(args.keep and (folder / "bench.db").exists()), create_app())


def main() -> None:
    parser = bench_arguments(__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    with bench_database(args, "scorecards") as bench:
        started = time.perf_counter()
        with bench.app.app_context():
            if bench.reuse:
                from portal.calendar import add_months, local_today

                last = add_months(local_today().replace(day=1), -1)
            else:
                last = build(args.partners, args.lines, args.months)
            print(f"  set-up: {time.perf_counter() - started:.0f} s", flush=True)
            measure_scoring(last)
        measure_pages(bench.url, bench.instance, last, partners=args.partners, users=args.users, requests=args.requests)


if __name__ == "__main__":
    main()
