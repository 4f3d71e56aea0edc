-- stepkit warehouse: the sales star schema that `load-postgres --target
-- sales-star` fills from transformed_data.csv (SPEC.md section 3), its three
-- report views (SPEC.md section 4), and the pipeline's history tables.
-- Safe to run again: tables IF NOT EXISTS, views and the function replaced.
--
--   psql -v ON_ERROR_STOP=1 -f scripts/warehouse.sql
--
-- An empty CSV field loads as NULL (never ''), so the views write an empty
-- field where the report files have one. Money is numeric(20,2): exact, and
-- its text form is the SPEC's money (integer part, '.', two digits). Each
-- view, exported as
--   COPY (SELECT * FROM sales_report ORDER BY date) TO STDOUT WITH (FORMAT csv, HEADER)
--   COPY (SELECT * FROM customer_report ORDER BY revenue DESC, customer_id COLLATE "C") TO STDOUT WITH (FORMAT csv, HEADER)
--   COPY (SELECT * FROM product_report ORDER BY revenue DESC, stock_code COLLATE "C") TO STDOUT WITH (FORMAT csv, HEADER)
-- is byte for byte the analyze step's report over the same rows.

CREATE TABLE IF NOT EXISTS dim_date (
    date_key     date PRIMARY KEY,
    year         integer NOT NULL,
    quarter      integer NOT NULL,
    month        integer NOT NULL,
    day          integer NOT NULL,
    iso_week     integer NOT NULL,
    iso_dow      integer NOT NULL     -- 1 Monday .. 7 Sunday
);

CREATE TABLE IF NOT EXISTS dim_customer (
    customer_id   text PRIMARY KEY,   -- 'GUEST' for sales without a customer
    customer_name text,               -- NULL: not in customer_data.csv
    country       text,
    segment       text,
    signup_date   date
);

CREATE TABLE IF NOT EXISTS dim_product (
    stock_code   text PRIMARY KEY,
    description  text NOT NULL,       -- 'Unknown' when product_data.csv has none
    category     text,
    unit_cost    numeric(20,2)
);

-- One row per sales line; the natural key is the transform's dedup key.
CREATE TABLE IF NOT EXISTS fact_sales (
    invoice_no   text NOT NULL,
    stock_code   text NOT NULL REFERENCES dim_product,
    customer_id  text NOT NULL REFERENCES dim_customer,
    invoice_date timestamp NOT NULL,
    date_key     date GENERATED ALWAYS AS (invoice_date::date) STORED REFERENCES dim_date,
    quantity     integer NOT NULL,
    unit_price   numeric(20,2) NOT NULL,
    line_total   numeric(20,2) NOT NULL,
    PRIMARY KEY (invoice_no, stock_code)
);
CREATE INDEX IF NOT EXISTS fact_sales_date_key ON fact_sales (date_key);
CREATE INDEX IF NOT EXISTS fact_sales_customer_id ON fact_sales (customer_id);

-- SPEC.md section 4, sales_report.csv: one row per day.
-- avg_order_value: revenue / invoices rounded half up to a cent, in cents
-- (2 * revenue_cents + invoices) div (2 * invoices), integer division.
CREATE OR REPLACE VIEW sales_report AS
SELECT to_char(f.date_key, 'YYYY-MM-DD') AS date,
       count(DISTINCT f.invoice_no) AS invoices,
       count(*) AS lines,
       sum(f.quantity) AS units,
       sum(f.line_total)::numeric(20,2) AS revenue,
       (((2 * (sum(f.line_total) * 100)::bigint + count(DISTINCT f.invoice_no))
         / (2 * count(DISTINCT f.invoice_no)))::numeric / 100)::numeric(20,2) AS avg_order_value
FROM fact_sales f
GROUP BY f.date_key;

-- customer_report.csv: one row per customer_id; the country from the
-- customer dimension (NULL, so an empty field, for GUEST and unknown ids).
CREATE OR REPLACE VIEW customer_report AS
SELECT f.customer_id,
       c.country,
       count(DISTINCT f.invoice_no) AS orders,
       sum(f.quantity) AS units,
       sum(f.line_total)::numeric(20,2) AS revenue,
       to_char(min(f.invoice_date), 'YYYY-MM-DD') AS first_purchase,
       to_char(max(f.invoice_date), 'YYYY-MM-DD') AS last_purchase
FROM fact_sales f
JOIN dim_customer c ON c.customer_id = f.customer_id
GROUP BY f.customer_id, c.country;

-- product_report.csv: one row per stock_code.
CREATE OR REPLACE VIEW product_report AS
SELECT f.stock_code,
       p.description,
       p.category,
       sum(f.quantity) AS units,
       sum(f.line_total)::numeric(20,2) AS revenue,
       count(DISTINCT f.customer_id) AS customers
FROM fact_sales f
JOIN dim_product p ON p.stock_code = f.stock_code
GROUP BY f.stock_code, p.description, p.category;

-- The pipeline's history (load-postgres creates these too when missing).
CREATE TABLE IF NOT EXISTS stepkit_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          text NOT NULL,
    step            text NOT NULL,
    target          text,
    started         timestamptz NOT NULL,
    completed       timestamptz NOT NULL,
    status          text NOT NULL,      -- succeeded, failed
    rows_read       bigint NOT NULL,
    rows_inserted   bigint NOT NULL,
    rows_updated    bigint NOT NULL,
    rows_unchanged  bigint NOT NULL,
    rows_failed     bigint NOT NULL,    -- a failed load: the rows read (none committed)
    error_message   text,
    error_details   jsonb,              -- {"kind": "data" | "transient" | ...}
    execution_ms    bigint NOT NULL,
    peak_memory_kib bigint
);

CREATE TABLE IF NOT EXISTS stepkit_events (
    run_id    text NOT NULL,
    step      text NOT NULL,
    event     jsonb NOT NULL,           -- the step's events/<step>.json
    loaded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, step)
);
