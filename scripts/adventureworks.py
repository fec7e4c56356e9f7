"""Convert Microsoft's AdventureWorks DW reseller sample (CSV) into Qudao's documented import files.

    python scripts/adventureworks.py DATASET_DIR OUT_DIR

DATASET_DIR holds DimReseller.csv, DimGeography.csv, DimProduct.csv and FactResellerSales.csv. OUT_DIR receives
partners.csv, products.csv and sales.csv, in the columns README's "File formats" documents, to be imported through
the admin pages in that order (*Partners → Import partners*, *Catalog → Import products* with "create product
lines named in the file" ticked, *Sales → Upload a file*).

Choices made here, since the sample has no field for them:
- a reseller's `joined_on` is the day of its first order; one whose last order was before 2013 is `terminated`
  from the first day of the month after its last order;
- a "Warehouse" is a wholesaler, every other business type a reseller;
- a product's SKU is its ProductAlternateKey (the sample keeps several versions of a product under one key: the
  newest names it); its line is the sample's M, R, S or T, and C for the 15 components that have none; it has no
  Chinese name, so the English one stands in;
- Canada's "Brunswick" is written New Brunswick (MISSPELT);
- resellers do not report their end customers in the sample: each reseller has one, its store (STORE);
- a line's discount is ExtendedAmount − SalesAmount, so that quantity × unit price − discount is SalesAmount
  to the cent: the lines add up to the sample's published 80,450,596.98."""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

NO_LINE = "C"
# The sample's one province name that is no subdivision's: Canada's NB is New Brunswick. Left as it is, the partner
# import refuses the row ("Brunswick — did you mean New Brunswick?").
MISSPELT = {("CA", "Brunswick"): "New Brunswick"}


def _read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, header: list[str], rows) -> int:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def convert(dataset: Path, out: Path) -> dict[str, int]:
    resellers = _read(dataset, "DimReseller.csv")
    places = {row["GeographyKey"]: row for row in _read(dataset, "DimGeography.csv")}
    versions = _read(dataset, "DimProduct.csv")
    facts = _read(dataset, "FactResellerSales.csv")
    products = {row["ProductKey"]: row for row in versions}
    reseller_of = {row["ResellerKey"]: row for row in resellers}
    first_order: dict[str, date] = {}
    last_order: dict[str, date] = {}
    for fact in facts:
        day = date.fromisoformat(fact["OrderDate"][:10])
        key = fact["ResellerKey"]
        first_order[key] = min(first_order.get(key, day), day)
        last_order[key] = max(last_order.get(key, day), day)
    newest_year = max(day.year for day in last_order.values())

    def partner_rows():
        for reseller in resellers:
            key = reseller["ResellerKey"]
            place = places[reseller["GeographyKey"]]
            status = status_since = ""
            if key in last_order and last_order[key].year < newest_year:
                ended = last_order[key]
                status = "terminated"
                status_since = date(ended.year + ended.month // 12, ended.month % 12 + 1, 1).isoformat()
            yield [
                reseller["ResellerAlternateKey"],
                reseller["ResellerName"].strip(),
                "wholesaler" if reseller["BusinessType"] == "Warehouse" else "reseller",
                place["CountryRegionCode"],
                MISSPELT.get((place["CountryRegionCode"], place["StateProvinceName"]), place["StateProvinceName"]),
                place["City"],
                first_order[key].isoformat() if key in first_order else "",
                status,
                status_since,
            ]

    sold = {fact["ProductKey"] for fact in facts}
    newest: dict[str, dict[str, str]] = {}
    for product_key in sorted(sold, key=int):  # later keys are later versions
        product = products[product_key]
        newest[product["ProductAlternateKey"]] = product

    def product_rows():
        for sku, product in sorted(newest.items()):
            yield [
                sku,
                product["EnglishProductName"],
                product["EnglishProductName"],
                product["ProductLine"].strip() or NO_LINE,
                "each",
                product["ListPrice"] or "0",
                "1",
            ]

    def sales_rows():
        for fact in facts:
            extended, amount = Decimal(fact["ExtendedAmount"]), Decimal(fact["SalesAmount"])
            yield [
                reseller_of[fact["ResellerKey"]]["ResellerAlternateKey"],
                fact["SalesOrderNumber"],
                fact["SalesOrderLineNumber"],
                fact["OrderDate"][:10],
                "STORE",
                "Store customers",
                products[fact["ProductKey"]]["ProductAlternateKey"],
                fact["OrderQuantity"],
                fact["UnitPrice"],
                format(extended - amount, "f"),
            ]

    out.mkdir(parents=True, exist_ok=True)
    counts = defaultdict(int)
    counts["partners"] = _write(
        out / "partners.csv",
        ["partner_code", "name", "type", "country", "province", "city", "joined_on", "status", "status_since"],
        partner_rows(),
    )
    counts["products"] = _write(
        out / "products.csv",
        ["sku", "name_en", "name_zh", "product_line", "unit", "list_price", "active"],
        product_rows(),
    )
    counts["lines"] = _write(
        out / "sales.csv",
        [
            "partner_code",
            "order_no",
            "line_no",
            "order_date",
            "customer_code",
            "customer_name",
            "sku",
            "quantity",
            "unit_price",
            "discount",
        ],
        sales_rows(),
    )
    return dict(counts)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(convert(Path(sys.argv[1]), Path(sys.argv[2])))
