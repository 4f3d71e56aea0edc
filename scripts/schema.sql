-- stepkit sample database: the three extract inputs of SPEC.md section 2.
-- Applied by scripts/load-sample; safe to run again (IF NOT EXISTS).
-- Every text column keeps the CSV value as is: ids stay text ('12346',
-- not 12346), an empty CSV field loads as NULL.

CREATE TABLE IF NOT EXISTS sales (
    id           bigserial PRIMARY KEY,   -- file order of raw_sales.csv
    invoice_no   text,
    stock_code   text,
    quantity     integer,
    invoice_date timestamp,
    unit_price   numeric(12,2),
    customer_id  text
);

CREATE TABLE IF NOT EXISTS customers (
    customer_id  text PRIMARY KEY,
    name         text,
    country      text,
    segment      text,
    signup_date  date
);

CREATE TABLE IF NOT EXISTS products (
    stock_code   text PRIMARY KEY,
    description  text,
    category     text,
    unit_cost    numeric(12,2)
);

-- extract-sales filters on invoice_date (--period, --from/--to): without this
-- index a daily run reads the whole table.
CREATE INDEX IF NOT EXISTS sales_invoice_date ON sales (invoice_date);
