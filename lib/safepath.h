/*
 * safepath.h: whether a file a step is about to send stays inside its work
 * directory once every symbolic link is followed.
 *
 * A work directory on a shared volume can hold a link that someone (or a
 * step gone wrong) planted: `sales_report.csv -> /var/run/secrets/...` or
 * `-> /etc/passwd`. A step that mails or uploads what it finds there would
 * send the link's target. Callers refuse such a file unless the operator
 * opted in.
 */
#ifndef SK_SAFEPATH_H
#define SK_SAFEPATH_H

#include "errors.h"

/*
 * Resolve `path` and `workdir` (realpath: every link, "." and "..") and
 * compare: 1 when the file lies inside the work directory (or is it), 0
 * when it lies outside, -1 with `err` (SK_E_IO) when either cannot be
 * resolved (missing, permission), naming the path.
 */
int sk_path_inside_workdir(const char *workdir, const char *path, struct sk_err *err);

/*
 * Whether sending `path` would leave the work directory through a link:
 * 1 when `path` is itself a symbolic link, or names a place inside
 * `workdir` as written ("WORKDIR/x", "WORKDIR/sub/../../etc/passwd"), and
 * resolves outside it; 0 otherwise (a regular file named outside the work
 * directory on purpose is the operator's choice); -1 with `err` as above.
 */
int sk_path_escapes_workdir(const char *workdir, const char *path, struct sk_err *err);

#endif
