/* Unit tests for lib/mime.c: the content type each sending step uses. */
#include "base.h"
#include "mime.h"
#include "tap.h"

int main(void)
{
	is_str(sk_mime_type("sales_report.csv"), "text/csv", ".csv");
	is_str(sk_mime_type("out/sales_report.xlsx"),
	       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx, in a directory");
	is_str(sk_mime_type("REPORT.XLSX"),
	       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "case ignored");
	is_str(sk_mime_type("summary.json"), "application/json", ".json");
	is_str(sk_mime_type("notes.txt"), "text/plain", ".txt");
	is_str(sk_mime_type("sales_report.xls"), "application/octet-stream", ".xls is not .xlsx");
	is_str(sk_mime_type("report.csv.gz"), "application/octet-stream", "only the last extension");
	is_str(sk_mime_type("dir.xlsx/.csv"), "application/octet-stream", "a bare extension, not a dir's");
	is_str(sk_mime_type("xlsx"), "application/octet-stream", "no extension");
	ok(sk_mime_is_text("text/csv") && !sk_mime_is_text(SK_MIME_XLSX), "text types");
	return done_testing();
}
