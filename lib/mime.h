/*
 * mime.h: the content type a file is sent with, from its name.
 *
 * One table for every step that sends a file: upload-s3 (the object's
 * Content-Type), upload-http (the PUT body's Content-Type, or the form
 * part's for a POST) and notify (each attachment's MIME part), so a
 * workbook goes out as a workbook everywhere, never as text/csv.
 */
#ifndef SK_MIME_H
#define SK_MIME_H

#define SK_MIME_XLSX "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/*
 * The media type of a file named `name` (a path is fine), by its extension,
 * case ignored: .csv text/csv, .xlsx SK_MIME_XLSX, .json application/json,
 * .txt text/plain, anything else application/octet-stream. The bare type,
 * without parameters: a caller that needs the charset of a text type adds
 * it (sk_mime_is_text). A static string, never NULL.
 */
const char *sk_mime_type(const char *name);

/* 1 when `type` (from sk_mime_type) is text, so UTF-8 by SPEC.md. */
int sk_mime_is_text(const char *type);

#endif
