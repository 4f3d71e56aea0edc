/*
 * fsutil.h: atomic output files and small file-system helpers.
 *
 * An atomic file (git lockfile.h) is written to a temporary file in the same
 * directory as its final name, then flushed, fsynced, made group-writable
 * (OpenShift runs pods as an arbitrary uid in group 0) and renamed over the
 * final name; the directory is fsynced too. Until the commit the final name
 * is untouched; on abort, error or signal the temporary file is removed.
 * Bytes written are counted and hashed (SHA-256) on the way, so the step's
 * event can report them without reading the file again.
 *
 * The temporary file has no name while it is written where Linux O_TMPFILE
 * works (a writer killed by SIGKILL leaves nothing, its space comes back at
 * once), and is named ".NAME.tmp-XXXXXX" only between a link and the rename;
 * elsewhere it has that name throughout. Its writer holds a lock on it (flock)
 * as long as it has that name, so a temporary file nobody holds is a dead
 * writer's: opening NAME again removes those of NAME (sk_stale_temps), and
 * two writers of one file at once never disturb each other.
 *
 * Only a regular file (or nothing) is ever renamed over: a symbolic link to a
 * regular file has the file it leads to replaced (the link stays); a
 * character device or FIFO (/dev/null, a pipe) is written where it is, with
 * nothing to rename; a directory, socket, block device or a link to nothing
 * is refused (SK_E_USAGE).
 */
#ifndef SK_FSUTIL_H
#define SK_FSUTIL_H

#include "errors.h"
#include "sha256.h"

#include <limits.h>

struct sk_afile;

/* What a committed file turned out to be. */
struct sk_file_info {
	char path[PATH_MAX];
	unsigned long long bytes;
	char sha256[SK_SHA256_HEX_LEN + 1];
};

/*
 * Start writing `path`. Returns a handle the caller must pass to
 * sk_afile_commit() or sk_afile_abort(), or NULL with `err` set (SK_E_IO,
 * naming the directory: missing, not writable, full; SK_E_USAGE: `path` is
 * of a kind that is never written, see above). Removes the temporary files
 * of `path` that dead writers left. A FIFO without a reader is waited for
 * until one opens it or a signal arrives (SK_E_INTERRUPTED).
 */
struct sk_afile *sk_afile_open(const char *path, struct sk_err *err);

/* Append `n` bytes (buffered). 0, or -1 with `err` (disk full, EIO...). */
int sk_afile_write(struct sk_afile *f, const void *p, size_t n, struct sk_err *err);

/*
 * Flush, fsync, rename into place, fsync the directory, free `f`. On success
 * fills `info` (may be NULL). On failure the temporary file is removed, the
 * final name untouched, `f` freed, -1 returned with `err` set. Refuses to
 * commit once a termination signal was received (SK_E_INTERRUPTED).
 */
int sk_afile_commit(struct sk_afile *f, struct sk_file_info *info, struct sk_err *err);

/* Remove the temporary file and free `f`. NULL is fine. */
void sk_afile_abort(struct sk_afile *f);

/*
 * Write `len` bytes held in memory to `path` atomically, in one call (the
 * open, write, commit of above). `on_signal`: commit even after a
 * termination signal: only for a record of that interruption, such as the
 * step's event saying "interrupted" (data outputs never are, since a signal
 * means they may be incomplete). `info` may be NULL.
 * 0, or -1 with `err`; on failure `path` is untouched.
 */
int sk_write_file_atomic(const char *path, const void *data, size_t len, int on_signal,
			 struct sk_file_info *info, struct sk_err *err);

/*
 * Write a file that can be made again (extract-api's kept pages) as
 * sk_write_file_atomic does, the same temporary file removed on a signal and
 * the same rename (a reader sees the old file or the whole new one), but not
 * durably: no fsync of the file or its directory (a crash of the machine may
 * leave it empty or cut short: whoever reads it back must check it), no
 * SHA-256, and the temporary files of dead writers are not looked for (the
 * caller removes its directory's once: sk_stale_temps). Only a regular file
 * (or nothing) is replaced; anything else is SK_E_USAGE. 0, or -1 with `err`.
 */
int sk_write_file_cache(const char *path, const void *data, size_t len, struct sk_err *err);

/*
 * Whether `path` could be written: a temporary file is created next to it
 * and removed again, exactly as a run would start (for --check), but dead
 * writers' temporary files are left for the check to report. A character
 * device is opened and closed; a FIFO only needs write permission (its
 * reader is not disturbed). 0, or -1 with `err` as sk_afile_open sets it.
 */
int sk_check_writable(const char *path, struct sk_err *err);

/*
 * Whether `path` may be an output (see the top of this file): 0, or -1 with
 * SK_E_USAGE naming `path` and its kind. Nothing is created or opened.
 */
int sk_output_check(const char *path, struct sk_err *err);

/*
 * The temporary files of atomic writes in `dir` whose writer is gone (killed
 * by SIGKILL, crashed): those of the file named `base` (".BASE.tmp-XXXXXX"),
 * or of every file when `base` is NULL. Each is passed to `cb` (may be NULL)
 * with its path and size and, when `remove`, unlinked. A file a live writer
 * holds is never touched; where locks do not work (some NFS setups) nothing
 * is taken for stale. The number found, or -1 with `err` (SK_E_IO) when the
 * directory cannot be read.
 */
int sk_stale_temps(const char *dir, const char *base, int remove,
		   void (*cb)(void *ctx, const char *path, unsigned long long bytes), void *ctx,
		   struct sk_err *err);

/* The bytes free to us and the size of the file system holding `dir`.
 * 0, or -1 with `err` (SK_E_IO). */
int sk_fs_space(const char *dir, unsigned long long *avail, unsigned long long *total,
		struct sk_err *err);

/*
 * Open an input file for reading (the CSV reader, small files). A FIFO is
 * opened without waiting for its writer, then waited for (its first bytes or
 * its close) in short polls that end when a signal arrives, so a FIFO
 * nobody writes to never holds a step past SIGTERM (SK_E_INTERRUPTED). A
 * directory is refused. The descriptor (blocking, close-on-exec), or -1 with
 * `err` (SK_E_IO naming `path`).
 */
int sk_open_input(const char *path, struct sk_err *err);

/* The final path `f` will be committed to (borrowed). */
const char *sk_afile_path(const struct sk_afile *f);

/* mkdir -p; directories it creates get mode 02775 whatever the umask
 * (group 0 shares them on OpenShift). 0, or -1 with `err`. */
int sk_mkdir_p(const char *dir, struct sk_err *err);

/*
 * Join `dir` and `name` into `out` (PATH_MAX bytes). An absolute `name`, or a
 * `name` containing a '/', is used as given (a user-supplied --in path).
 * 0, or -1 with `err` (SK_E_USAGE) when too long.
 */
int sk_path_join(char out[PATH_MAX], const char *dir, const char *name,
		 struct sk_err *err);

/* Read a whole small file (a secret, a query) into a NUL-terminated string
 * owned by the caller; trailing newlines are stripped when `strip_nl`.
 * Fails above `max` bytes. NULL with `err` set. */
char *sk_read_small_file(const char *path, size_t max, int strip_nl, struct sk_err *err);

/* A configuration file (the quality checks, the triggers, an API's
 * description) read like sk_read_small_file(); one that cannot be read is a
 * configuration error (SK_E_USAGE, exit 2: a retry will not fix it), its
 * message prefixed with `setting`, named as the user gave it (callers pass
 * sk_opt_given_as("--config"): "--config" or "STEPKIT_TRIGGERS"). */
char *sk_read_config(const char *path, size_t max, const char *setting, struct sk_err *err);

#endif
