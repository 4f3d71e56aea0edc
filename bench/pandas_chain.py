#!/usr/bin/python3
"""pandas reference implementation of the stepkit transform and the three analyses.

Usage: bench/pandas_chain.py STEP WORKDIR
  STEP: transform | analyze-sales | analyze-customers | analyze-products | chain

Follows shared/SPEC.md byte for byte:
  - every CSV is read as text (dtype=str, na_filter=False): no NaN, no 12346.0;
  - money is parsed from its decimal text into integer cents (no floats anywhere);
  - output is written by hand with the SPEC's minimal quoting and LF line ends;
  - byte order (not locale, not code-point order of surrogate escapes) for sorting.

Run it with Debian's python3 (python3-pandas); a pyenv python3 usually lacks pandas.
"""
import os
import re
import sys

import numpy as np
import pandas as pd

ENC = "utf-8"
ENC_ERR = "surrogateescape"  # pass undecodable bytes through unchanged

RAW_COLS = ["invoice_no", "stock_code", "quantity", "invoice_date", "unit_price", "customer_id"]
CUST_COLS = ["customer_id", "name", "country", "segment", "signup_date"]
PROD_COLS = ["stock_code", "description", "category", "unit_cost"]
TRANSFORMED_COLS = [
    "invoice_no", "stock_code", "quantity", "invoice_date", "unit_price", "customer_id",
    "line_total", "customer_name", "country", "segment", "signup_date", "description",
    "category", "unit_cost",
]

# optional sign, digits, optional '.' and at most 2 fraction digits; at least one digit
MONEY_RE = re.compile(r"[+-]?([0-9]*)(?:\.([0-9]{0,2}))?")
INT_RE = re.compile(r"[+-]?[0-9]+")

# Columns hold few distinct values (prices, quantities, codes, names), so every
# per-value conversion below is done once per distinct value and mapped back.


def die(msg):
    sys.stderr.write("pandas_chain: %s\n" % msg)
    sys.exit(2)


def read_csv(path, columns):
    df = pd.read_csv(
        path,
        dtype=str,
        na_filter=False,
        keep_default_na=False,
        encoding=ENC,
        encoding_errors=ENC_ERR,
        sep=",",
        quotechar='"',
        doublequote=True,
        skip_blank_lines=False,
        engine="c",
    )
    missing = [c for c in columns if c not in df.columns]
    if missing:
        die("%s: missing column(s) %s" % (path, ", ".join(missing)))
    return df[columns]


def map_distinct(series, fn, dtype=None):
    uniq = pd.unique(series.to_numpy())
    table = pd.Series([fn(v) for v in uniq], index=uniq, dtype=object if dtype is None else dtype)
    out = series.map(table)
    return out if dtype is None else out.astype(dtype)


def abs_cents_text(v, what):
    """'-110.62' -> 11062: |value| of a decimal text (<= 2 fraction digits) in integer cents."""
    m = MONEY_RE.fullmatch(v)
    if m is None or (m.group(1) == "" and not m.group(2)):
        die("bad %s value %r" % (what, v))
    return int(m.group(1) or "0") * 100 + int((m.group(2) or "").ljust(2, "0"))


def abs_int_text(v, what):
    if INT_RE.fullmatch(v) is None:
        die("bad %s value %r" % (what, v))
    return abs(int(v))


def cents_of(series, what):
    """Decimal text -> absolute value in integer cents (int64); the sign is dropped."""
    return map_distinct(series, lambda v: abs_cents_text(v, what), np.int64)


def abs_int_of(series, what):
    return map_distinct(series, lambda v: abs_int_text(v, what), np.int64)


def money_text(c):
    c = int(c)
    return "%d.%02d" % (c // 100, c % 100)


def money(cents):
    """int64 cents (>= 0) -> 'I.FF' strings."""
    return map_distinct(pd.Series(cents, copy=False), money_text)


def csv_text(v):
    """SPEC section 1 minimal quoting: quote iff the value holds , \" CR or LF; double every \"."""
    if "," in v or '"' in v or "\r" in v or "\n" in v:
        return '"' + v.replace('"', '""') + '"'
    return v


def write_csv(path, df, columns):
    head = ",".join(csv_text(c) for c in columns)
    cols = [map_distinct(df[c].astype(str), csv_text).tolist() for c in columns]
    with open(path + ".tmp", "wb") as f:
        f.write((head + "\n").encode(ENC, ENC_ERR))
        if cols and cols[0]:
            f.write(("\n".join(map(",".join, zip(*cols))) + "\n").encode(ENC, ENC_ERR))
    os.replace(path + ".tmp", path)


def byte_key(series):
    """Sort key giving byte order of the UTF-8 (surrogate-escaped) values."""
    return series.map(lambda v: v.encode(ENC, ENC_ERR))


def first_wins(df, key):
    return df.drop_duplicates(subset=[key], keep="first")


# ---------------------------------------------------------------------------------------

def transform(wd):
    raw = read_csv(os.path.join(wd, "raw_sales.csv"), RAW_COLS)
    cust = first_wins(read_csv(os.path.join(wd, "customer_data.csv"), CUST_COLS), "customer_id")
    prod = first_wins(read_csv(os.path.join(wd, "product_data.csv"), PROD_COLS), "stock_code")

    # 1. dedup on (invoice_no, stock_code), first row in file order wins
    df = raw.drop_duplicates(subset=["invoice_no", "stock_code"], keep="first").reset_index(drop=True)
    # 2. fill
    df["customer_id"] = df["customer_id"].where(df["customer_id"] != "", "GUEST")
    # 3./4. abs and exact line total in cents
    qty = abs_int_of(df["quantity"], "quantity")
    price = cents_of(df["unit_price"], "unit_price")
    df["quantity"] = map_distinct(qty, str)
    df["unit_price"] = money(price)
    df["line_total"] = money(qty * price)
    # 5. left joins (merge how="left" keeps the left order)
    cust = cust.rename(columns={"name": "customer_name"})
    df = df.merge(cust, on="customer_id", how="left", sort=False, validate="many_to_one")
    df = df.merge(prod, on="stock_code", how="left", sort=False, validate="many_to_one")
    for c in ["customer_name", "country", "segment", "signup_date", "description", "category", "unit_cost"]:
        df[c] = df[c].fillna("")
    # 6. fill description
    df["description"] = df["description"].where(df["description"] != "", "Unknown")
    write_csv(os.path.join(wd, "transformed_data.csv"), df, TRANSFORMED_COLS)


def load_transformed(wd):
    df = read_csv(os.path.join(wd, "transformed_data.csv"), TRANSFORMED_COLS)
    df = df.assign(
        date=df["invoice_date"].str[:10],
        qty=abs_int_of(df["quantity"], "quantity"),
        cents=cents_of(df["line_total"], "line_total"),
    )
    return df


def analyze_sales(wd):
    df = load_transformed(wd)
    g = df.groupby("date", sort=False)
    rep = pd.DataFrame({
        "invoices": g["invoice_no"].nunique(),
        "lines": g.size(),
        "units": g["qty"].sum(),
        "rev": g["cents"].sum(),
    }).reset_index()
    rep = rep.sort_values("date", key=byte_key, kind="mergesort")
    inv = rep["invoices"].astype(np.int64)
    avg = (2 * rep["rev"] + inv) // (2 * inv)
    out = pd.DataFrame({
        "date": rep["date"],
        "invoices": inv.astype(str),
        "lines": rep["lines"].astype(str),
        "units": rep["units"].astype(str),
        "revenue": money(rep["rev"]),
        "avg_order_value": money(avg),
    })
    write_csv(os.path.join(wd, "sales_report.csv"), out, list(out.columns))


def sort_by_revenue_then_key(rep, key):
    # revenue descending, then key ascending in byte order
    order = sorted(range(len(rep)), key=lambda i: (-int(rep["rev"].iat[i]),
                                                   rep[key].iat[i].encode(ENC, ENC_ERR)))
    return rep.iloc[order]


def analyze_customers(wd):
    df = load_transformed(wd)
    # smallest / largest invoice_date in byte order: rank the distinct values by their bytes
    dates = sorted(pd.unique(df["invoice_date"].to_numpy()), key=lambda v: v.encode(ENC, ENC_ERR))
    ranked = pd.Categorical(df["invoice_date"], categories=dates)
    df["date_rank"] = ranked.codes
    g = df.groupby("customer_id", sort=False)
    rep = pd.DataFrame({
        "country": g["country"].first(),  # all equal; else the first row's in file order
        "orders": g["invoice_no"].nunique(),
        "units": g["qty"].sum(),
        "rev": g["cents"].sum(),
        "first": g["date_rank"].min(),
        "last": g["date_rank"].max(),
    }).reset_index()
    rep = sort_by_revenue_then_key(rep, "customer_id")
    out = pd.DataFrame({
        "customer_id": rep["customer_id"],
        "country": rep["country"],
        "orders": rep["orders"].astype(str),
        "units": rep["units"].astype(str),
        "revenue": money(rep["rev"]),
        "first_purchase": [dates[i][:10] for i in rep["first"]],
        "last_purchase": [dates[i][:10] for i in rep["last"]],
    })
    write_csv(os.path.join(wd, "customer_report.csv"), out, list(out.columns))


def analyze_products(wd):
    df = load_transformed(wd)
    g = df.groupby("stock_code", sort=False)
    rep = pd.DataFrame({
        "description": g["description"].first(),
        "category": g["category"].first(),
        "units": g["qty"].sum(),
        "rev": g["cents"].sum(),
        "customers": g["customer_id"].nunique(),
    }).reset_index()
    rep = sort_by_revenue_then_key(rep, "stock_code")
    out = pd.DataFrame({
        "stock_code": rep["stock_code"],
        "description": rep["description"],
        "category": rep["category"],
        "units": rep["units"].astype(str),
        "revenue": money(rep["rev"]),
        "customers": rep["customers"].astype(str),
    })
    write_csv(os.path.join(wd, "product_report.csv"), out, list(out.columns))


STEPS = {
    "transform": transform,
    "analyze-sales": analyze_sales,
    "analyze-customers": analyze_customers,
    "analyze-products": analyze_products,
}


def main(argv):
    if len(argv) != 3 or (argv[1] not in STEPS and argv[1] != "chain"):
        sys.stderr.write("usage: pandas_chain.py {%s|chain} WORKDIR\n" % "|".join(STEPS))
        return 2
    step, wd = argv[1], argv[2]
    if step == "chain":
        for name in ["transform", "analyze-sales", "analyze-customers", "analyze-products"]:
            STEPS[name](wd)
    else:
        STEPS[step](wd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
