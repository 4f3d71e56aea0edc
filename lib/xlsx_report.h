/*
 * xlsx_report.h: the reports of a run as one Excel workbook (report-xlsx).
 *
 * Inputs are CSV files of the data contract (SPEC.md): by default the three
 * reports of the run in the work directory. Each file's header picks its
 * schema (the reports of section 4, transformed_data of section 3, the
 * inputs of section 2), and the schema, never the look of a value, gives
 * each column its cell type:
 *
 *   text      identifiers, names: string cells with the text format "@"
 *   integer   counts, quantities: numbers (at most 15 digits, shown exactly)
 *   money     numbers with "#,##0.00", from the decimal text parsed exactly
 *             into integer cents, then cents / 100.0
 *   date      YYYY-MM-DD: Excel dates, format "yyyy-mm-dd"
 *   timestamp YYYY-MM-DDTHH:MM:SS: Excel date-times, "yyyy-mm-dd hh:mm:ss"
 *
 * A value that does not fit its column (or text that is not UTF-8, or
 * longer than Excel's 32,767 characters) stops the run with SK_E_DATA naming
 * the file, line, column and value. A header that matches no schema is
 * SK_E_DATA too, unless `all_text` is set: then every column is text.
 *
 * The workbook: a first sheet "Run" (template, run id, period, the steps of
 * the run from WORKDIR/events/STEP.json, the sheets written, notes), then one
 * sheet per input ("Sales", "Customers", "Products" for the three reports,
 * the file's base name otherwise) with a bold, frozen header row, an
 * autofilter and fitted column widths (capped); a line chart of revenue per
 * day on the sales sheet and a bar chart of the top ten products by revenue
 * on the products sheet. A sheet that would pass Excel's 1,048,576 rows
 * continues on "NAME (2)", ... and the Run sheet says so.
 *
 * Who writes what: libxlsxwriter (constant-memory mode) writes every part
 * of the workbook but the data rows: the Run sheet, styles, charts, and
 * each data sheet with its header row, panes, widths and autofilter. The
 * data rows are our own XML (the same cells libxlsxwriter would write:
 * inline strings, numbers with their style), deflated as they are read
 * into an unlinked temporary file; the workbook is then assembled (minizip)
 * from libxlsxwriter's parts with the rows put into each data sheet. Memory
 * stays flat (a few MiB) whatever the size of the inputs.
 *
 * The same inputs, events and run id give the same bytes: the document's
 * created time is the run's (the newest "finished" of the events, else
 * SOURCE_DATE_EPOCH, else the newest input's modification time).
 *
 * The workbook is written atomically (fsutil.h): it is built in unlinked
 * temporary files next to the output (nothing is left behind, even after
 * SIGKILL), then copied through an atomic file.
 */
#ifndef SK_XLSX_REPORT_H
#define SK_XLSX_REPORT_H

#include "errors.h"

struct sk_step;

struct sk_xlsx_opts {
	const char *out;      /* output path, or NULL/"" for WORKDIR/sales_report.xlsx */
	const char *tmpl;     /* the run's template name for the Run sheet, or NULL/"" */
	const char *all_text; /* non-empty: a CSV of unknown schema becomes all text */
};

/* Test knob (documented as such): rows per sheet, header included, instead
 * of Excel's 1,048,576 (at least 2). Read from this environment variable. */
#define SK_XLSX_MAX_ROWS_ENV "STEPKIT_XLSX_TEST_MAX_ROWS"

/*
 * Write the workbook of `argv[0..argc-1]` (none: the three reports in the
 * work directory) and record inputs, output and rows in the step's event.
 * 0, or -1 with `err`: SK_E_IO (missing input, unwritable output), SK_E_DATA
 * (input breaking the contract, unknown schema), SK_E_USAGE (two inputs with
 * the same sheet name, a bad knob), SK_E_NOMEM, SK_E_INTERRUPTED. On failure
 * the output is untouched and no temporary file is left.
 */
int sk_xlsx_run(struct sk_step *s, const struct sk_xlsx_opts *o, int argc, char **argv,
		struct sk_err *err);

/* --check: every input exists and has a known header; the output's
 * directory is writable. 0, or -1 with `err` as above. */
int sk_xlsx_check(struct sk_step *s, const struct sk_xlsx_opts *o, int argc, char **argv,
		  struct sk_err *err);

/* The run and check for struct sk_tool (ctx: struct sk_xlsx_opts). */
int sk_xlsx_tool_run(struct sk_step *s, int argc, char **argv, struct sk_err *err);
int sk_xlsx_tool_check(struct sk_step *s, int argc, char **argv, struct sk_err *err);

#endif
