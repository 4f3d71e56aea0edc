#!/usr/bin/env node
// DuckDB reference implementation of the stepkit transform and the three analyses.
//
// Usage: node bench/duckdb_chain.mjs [--copy] STEP WORKDIR
//   STEP: transform | analyze-sales | analyze-customers | analyze-products | chain
//   --copy  DuckDB writes the output itself (COPY ... TO, the lines built by the same SQL)
//           instead of this script streaming every line through JavaScript: the same
//           bytes, DuckDB's fastest correct form. run-bench times both ("duckdb" is
//           --copy, "duckdb-stream" the other).
//
// Follows shared/SPEC.md byte for byte:
//   - CSVs are read with all_varchar=true (no type sniffing) and every empty field, which
//     DuckDB reads as NULL, is turned back into '' at load, so all values are plain text;
//   - the input position is kept as an explicit row number (rn) and every order-sensitive
//     step (dedup, first-row-wins, output order) uses it;
//   - money is parsed from its decimal text into integer cents (BIGINT; sums are HUGEINT);
//   - output lines are built in SQL with the SPEC's minimal quoting (DuckDB's COPY ... CSV
//     quoting rules are not the SPEC's) and written by this script with LF line ends;
//   - sorting is by bytes: ORDER BY encode(key), i.e. the BLOB of the UTF-8 value.
//
// Needs @duckdb/node-api (bench/install-peers installs it into bench/node_modules).
import { openSync, writeSync, closeSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const TRANSFORMED_COLS = [
  'invoice_no', 'stock_code', 'quantity', 'invoice_date', 'unit_price', 'customer_id',
  'line_total', 'customer_name', 'country', 'segment', 'signup_date', 'description',
  'category', 'unit_cost',
];

function sqlString(s) {
  return "'" + s.replace(/'/g, "''") + "'";
}

// read_csv as text; rn = 1-based position of the record in the file; '' instead of NULL.
function readCsv(path, cols) {
  const sel = cols.map((c) => `coalesce("${c}", '') AS "${c}"`).join(', ');
  return `SELECT row_number() OVER () AS rn, ${sel}
    FROM read_csv(${sqlString(path)}, all_varchar = true, header = true, quote = '"',
                  escape = '"', delim = ',', comment = '', skip = 0, strict_mode = true,
                  null_padding = false)`;
}

const MACROS = `
-- SPEC §1 minimal quoting: quote iff the value holds , " CR or LF; double every ".
CREATE OR REPLACE MACRO csvf(x) AS
  CASE WHEN x IS NULL THEN ''
       WHEN contains(x, ',') OR contains(x, '"') OR contains(x, chr(13)) OR contains(x, chr(10))
         THEN '"' || replace(x, '"', '""') || '"'
       ELSE x END;
-- integer cents (>= 0) -> 'I.FF'
CREATE OR REPLACE MACRO money(c) AS
  CAST(c // 100 AS VARCHAR) || '.' || lpad(CAST(c % 100 AS VARCHAR), 2, '0');
-- decimal text with at most 2 fraction digits -> |value| in integer cents
CREATE OR REPLACE MACRO abs_cents(s) AS
  CASE WHEN regexp_full_match(s, '[+-]?[0-9]*(\\.[0-9]{0,2})?') AND regexp_matches(s, '[0-9]')
    THEN CAST(coalesce(nullif(regexp_extract(s, '^[+-]?([0-9]*)', 1), ''), '0') AS BIGINT) * 100
         + CAST(rpad(regexp_extract(s, '\\.([0-9]*)$', 1), 2, '0') AS BIGINT)
    ELSE error('bad money value: "' || s || '"') END;
-- integer text -> |value|
CREATE OR REPLACE MACRO abs_int(s) AS
  CASE WHEN regexp_full_match(s, '[+-]?[0-9]+') THEN abs(CAST(s AS BIGINT))
    ELSE error('bad integer value: "' || s || '"') END;
`;

let COPY_MODE = false;

// Run `sql` (one VARCHAR column `line`, already ordered) and write header + lines to path.
async function writeLines(con, path, header, sql) {
  const tmp = path + '.tmp';
  if (COPY_MODE) {
    // The header is the column's name; no quoting and a delimiter that is not in the data
    // make COPY write every line as built (a raw LF inside a quoted value included).
    const hdr = header.map((h) => csvfJs(h)).join(',');
    const named = sql.replace(/ AS line\b/, ' AS "' + hdr.replace(/"/g, '""') + '"');
    await con.run(`COPY (${named}) TO ${sqlString(tmp)}
      (FORMAT csv, HEADER true, QUOTE '', ESCAPE '', DELIMITER chr(1))`);
    renameSync(tmp, path);
    return;
  }
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header.map((h) => csvfJs(h)).join(',') + '\n');
    const result = await con.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const lines = chunk.getColumnValues(0);
      writeSync(fd, lines.join('\n') + '\n');
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function csvfJs(x) {
  return /[,"\r\n]/.test(x) ? '"' + x.replace(/"/g, '""') + '"' : x;
}

async function transform(con, wd) {
  await con.run(`
    CREATE OR REPLACE TEMP TABLE raw AS ${readCsv(join(wd, 'raw_sales.csv'),
      ['invoice_no', 'stock_code', 'quantity', 'invoice_date', 'unit_price', 'customer_id'])};
    CREATE OR REPLACE TEMP TABLE cust AS
      SELECT * FROM (${readCsv(join(wd, 'customer_data.csv'),
        ['customer_id', 'name', 'country', 'segment', 'signup_date'])})
      QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY rn) = 1;
    CREATE OR REPLACE TEMP TABLE prod AS
      SELECT * FROM (${readCsv(join(wd, 'product_data.csv'),
        ['stock_code', 'description', 'category', 'unit_cost'])})
      QUALIFY row_number() OVER (PARTITION BY stock_code ORDER BY rn) = 1;
    CREATE OR REPLACE TEMP TABLE t AS
      WITH kept AS (
        SELECT * FROM raw
        QUALIFY row_number() OVER (PARTITION BY invoice_no, stock_code ORDER BY rn) = 1
      ), filled AS (
        SELECT rn, invoice_no, stock_code, invoice_date,
               CASE WHEN customer_id = '' THEN 'GUEST' ELSE customer_id END AS customer_id,
               abs_int(quantity) AS qty,
               abs_cents(unit_price) AS price_cents
        FROM kept
      )
      SELECT f.rn, f.invoice_no, f.stock_code, f.qty, f.invoice_date, f.price_cents,
             f.customer_id, f.qty * f.price_cents AS line_cents,
             coalesce(c.name, '') AS customer_name, coalesce(c.country, '') AS country,
             coalesce(c.segment, '') AS segment, coalesce(c.signup_date, '') AS signup_date,
             CASE WHEN coalesce(p.description, '') = '' THEN 'Unknown' ELSE p.description END
               AS description,
             coalesce(p.category, '') AS category, coalesce(p.unit_cost, '') AS unit_cost
      FROM filled f
      LEFT JOIN cust c ON c.customer_id = f.customer_id
      LEFT JOIN prod p ON p.stock_code = f.stock_code;
  `);
  await writeLines(con, join(wd, 'transformed_data.csv'), TRANSFORMED_COLS, `
    SELECT concat_ws(',', csvf(invoice_no), csvf(stock_code), CAST(qty AS VARCHAR),
                     csvf(invoice_date), money(price_cents), csvf(customer_id),
                     money(line_cents), csvf(customer_name), csvf(country), csvf(segment),
                     csvf(signup_date), csvf(description), csvf(category), csvf(unit_cost))
           AS line
    FROM t ORDER BY rn`);
}

async function loadTransformed(con, wd) {
  await con.run(`
    CREATE OR REPLACE TEMP TABLE tr AS
      SELECT rn, invoice_no, stock_code, invoice_date, customer_id, country, description,
             category, substr(invoice_date, 1, 10) AS date,
             abs_int(quantity) AS qty, abs_cents(line_total) AS cents
      FROM (${readCsv(join(wd, 'transformed_data.csv'), TRANSFORMED_COLS)});
  `);
}

async function analyzeSales(con, wd) {
  await loadTransformed(con, wd);
  await writeLines(con, join(wd, 'sales_report.csv'),
    ['date', 'invoices', 'lines', 'units', 'revenue', 'avg_order_value'], `
    WITH g AS (
      SELECT date, count(DISTINCT invoice_no) AS invoices, count(*) AS lines,
             sum(qty) AS units, CAST(sum(cents) AS HUGEINT) AS rev
      FROM tr GROUP BY date
    )
    SELECT concat_ws(',', csvf(date), CAST(invoices AS VARCHAR), CAST(lines AS VARCHAR),
                     CAST(units AS VARCHAR), money(rev),
                     money((2 * rev + invoices) // (2 * invoices))) AS line
    FROM g ORDER BY encode(date)`);
}

async function analyzeCustomers(con, wd) {
  await loadTransformed(con, wd);
  await writeLines(con, join(wd, 'customer_report.csv'),
    ['customer_id', 'country', 'orders', 'units', 'revenue', 'first_purchase', 'last_purchase'], `
    WITH g AS (
      SELECT customer_id, arg_min(country, rn) AS country,
             count(DISTINCT invoice_no) AS orders, sum(qty) AS units,
             CAST(sum(cents) AS HUGEINT) AS rev,
             arg_min(invoice_date, encode(invoice_date)) AS first_date,
             arg_max(invoice_date, encode(invoice_date)) AS last_date
      FROM tr GROUP BY customer_id
    )
    SELECT concat_ws(',', csvf(customer_id), csvf(country), CAST(orders AS VARCHAR),
                     CAST(units AS VARCHAR), money(rev), csvf(substr(first_date, 1, 10)),
                     csvf(substr(last_date, 1, 10))) AS line
    FROM g ORDER BY rev DESC, encode(customer_id)`);
}

async function analyzeProducts(con, wd) {
  await loadTransformed(con, wd);
  await writeLines(con, join(wd, 'product_report.csv'),
    ['stock_code', 'description', 'category', 'units', 'revenue', 'customers'], `
    WITH g AS (
      SELECT stock_code, arg_min(description, rn) AS description,
             arg_min(category, rn) AS category, sum(qty) AS units,
             CAST(sum(cents) AS HUGEINT) AS rev, count(DISTINCT customer_id) AS customers
      FROM tr GROUP BY stock_code
    )
    SELECT concat_ws(',', csvf(stock_code), csvf(description), csvf(category),
                     CAST(units AS VARCHAR), money(rev), CAST(customers AS VARCHAR)) AS line
    FROM g ORDER BY rev DESC, encode(stock_code)`);
}

const STEPS = {
  'transform': transform,
  'analyze-sales': analyzeSales,
  'analyze-customers': analyzeCustomers,
  'analyze-products': analyzeProducts,
};

async function main(argv) {
  if (argv[0] === '--copy') {
    COPY_MODE = true;
    argv = argv.slice(1);
  }
  const [step, wd] = argv;
  if (argv.length !== 2 || !(step in STEPS || step === 'chain')) {
    process.stderr.write(`usage: duckdb_chain.mjs [--copy] {${Object.keys(STEPS).join('|')}|chain} WORKDIR\n`);
    return 2;
  }
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await con.run(MACROS);
  const steps = step === 'chain' ? Object.keys(STEPS) : [step];
  for (const s of steps) await STEPS[s](con, wd);
  con.closeSync?.();
  return 0;
}

main(process.argv.slice(2)).then(
  (rc) => { process.exitCode = rc; },
  (err) => { process.stderr.write(`duckdb_chain: ${err && err.message ? err.message : err}\n`); process.exitCode = 2; },
);
