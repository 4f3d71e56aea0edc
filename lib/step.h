/*
 * step.h: the step contract shared by every tool (DESIGN.md, "The step
 * contract"): common options, configuration from flags or environment, the
 * per-step JSON event, progress logs, and the mapping of errors to exit codes.
 *
 * A tool is a `const struct sk_tool tool` in tools/NAME.c; lib/toolmain.c
 * holds the one main() that calls sk_step_main(&tool, argc, argv).
 */
#ifndef SK_STEP_H
#define SK_STEP_H

#include "errors.h"
#include "fsutil.h"
#include "retry.h"

#include <limits.h>

struct sk_step;

/*
 * One command-line option of a tool. `env` names the environment variable of
 * the same meaning (the flag wins); the value lands in `*value` as a borrowed
 * string (argv or environ), "1" for a flag without argument. Secrets are not
 * options: read them with sk_env_secret().
 */
struct sk_opt {
	const char *name;   /* long name without "--" */
	const char *env;    /* environment variable, or NULL */
	const char *arg;    /* argument name for --help ("FILE"), NULL: a flag */
	const char *help;   /* one line */
	const char **value; /* where the value goes */
};

struct sk_tool {
	const char *name;        /* "transform"; also the step name in events */
	const char *summary;     /* one line for --help */
	const char *args;        /* positional arguments for the usage line, or NULL */
	const char *details;     /* more --help text (files in/out), or NULL */
	const struct sk_opt *opts; /* tool options, ended by {0} */
	int max_args;            /* positional arguments allowed (-1: any number) */
	/* The work. Returns 0, or -1 with `err`. argv holds positionals only. */
	int (*run)(struct sk_step *s, int argc, char **argv, struct sk_err *err);
	/* --check: validate configuration and connectivity without moving data. */
	int (*check)(struct sk_step *s, int argc, char **argv, struct sk_err *err);
	/* The tool's own data for shared run/check functions (sk_step_ctx). */
	const void *ctx;
	/* The exit statuses beyond 0, 1 and 2 the tool can return, for --help:
	 * SK_TOOL_GATES (3, it has data-quality gates) | SK_TOOL_REMOTE (75, it
	 * talks to a server). */
	unsigned exits;
	/* The first steps of a DAG (the extracts) create the work directory;
	 * every other step fails (exit 2, nothing created) when it is missing. */
	int makes_workdir;
};

#define SK_TOOL_GATES 1u  /* can exit 3 (SK_EXIT_QUALITY) */
#define SK_TOOL_REMOTE 2u /* can exit 75 (SK_EXIT_TEMPFAIL) */

/*
 * How the user gave an option of the running tool, for messages: `name` is
 * its flag ("--max-unmatched") or its environment variable
 * ("STEPKIT_MAX_UNMATCHED"); returned is the flag when the value came from
 * the command line (or the option is unset), the variable when it came from
 * the environment, `name` itself when no option of the tool has that name.
 * Static storage.
 */
const char *sk_opt_given_as(const char *name);

/* Parse options, run or check, write the event, log, return the exit status. */
int sk_step_main(const struct sk_tool *tool, int argc, char **argv);

/* The work directory (--workdir / STEPKIT_WORKDIR, default "."). Borrowed. */
const char *sk_step_workdir(const struct sk_step *s);

/* The step's name, its tool's ("transform"). Static storage. */
const char *sk_step_name(const struct sk_step *s);

/* The `ctx` of the running tool's struct sk_tool (borrowed; may be NULL). */
const void *sk_step_ctx(const struct sk_step *s);

/* The run id (--run-id / STEPKIT_RUN_ID, default "local"). Borrowed. */
const char *sk_step_run_id(const struct sk_step *s);

/*
 * Resolve a file name against the work directory: `override` (an --in/--out
 * value) when set, else `name` inside the work directory. See sk_path_join.
 */
int sk_step_path(const struct sk_step *s, char out[PATH_MAX], const char *override,
		 const char *name, struct sk_err *err);

/* Count rows read and written (added to the totals in the event). */
void sk_step_rows(struct sk_step *s, long long in, long long out);

/* Add `n` to the named counter under "counts" in the event (e.g. drop reasons). */
void sk_step_count(struct sk_step *s, const char *key, long long n);

/*
 * Drop reasons: add `rows` to the count `reason` (as sk_step_count) and
 * list it under metrics.drop_reasons in the event ("dropped_duplicate").
 */
void sk_step_dropped(struct sk_step *s, const char *reason, long long rows);

/*
 * Record an input file in the event: its path, with "bytes" and "sha256"
 * null until sk_step_input_info() gives them (a run that stopped before
 * reading it whole leaves them null).
 */
void sk_step_input(struct sk_step *s, const char *path);

/*
 * The size and sha256 of an input, read whole (sk_csv_digest(), or what an
 * upload sent): set on the entry of sk_step_input() with the same path not
 * yet given them, or recorded as a new input. The sha256 equals that of the
 * step that wrote the file in its "outputs": the lineage link.
 */
void sk_step_input_info(struct sk_step *s, const struct sk_file_info *info);

/* Record a committed output file (path, bytes, sha256) in the event. */
void sk_step_output(struct sk_step *s, const struct sk_file_info *info);

/*
 * Record an output that is a copy of a local file stored elsewhere (an
 * upload): `info` as above, its path the remote name (sftp://, s3://, the
 * URL), then "source" (the local file; its entry in "inputs", when there is
 * one, gets the bytes and sha256 of `info`; the seconds count as the write
 * phase of metrics), "url" when given (the request URL
 * of an s3:// object), "seconds" of the transfer and, when not 0,
 * "attempts" (1, plus every retry of its requests; an SFTP session serves
 * every file, so there it is counted per step only).
 */
void sk_step_output_copy(struct sk_step *s, const struct sk_file_info *info, const char *source,
			 const char *url, double seconds, int attempts);

/*
 * Record the data-quality result of the step (quality.h): `quality` and
 * `history` become the event's "quality" and "history" (both stolen;
 * `history` NULL: null), `level` ("GREEN", "YELLOW", "RED") the content of
 * WORKDIR/events/STEP.quality, written atomically at exit when the step
 * ends 0 or 3. A step that ends otherwise removes that file, so a stale
 * level never survives a rerun.
 */
struct json_t;
void sk_step_set_quality(struct sk_step *s, const char *level, struct json_t *quality,
			 struct json_t *history);

/* Record a string detail in the event under "details" (e.g. the source). */
void sk_step_detail(struct sk_step *s, const char *key, const char *value);

/*
 * Progress: call once per row with the running row count; every few seconds
 * it logs "N rows, R rows/s". Cheap enough for a per-row call.
 */
void sk_step_progress(struct sk_step *s, unsigned long long rows);

/*
 * A secret from the environment: NAME, or the content of the file named by
 * NAME_FILE (a mounted Secret; trailing newlines stripped). Returns a string
 * the caller frees, NULL when neither is set (err untouched), or NULL with
 * `err` set when the file cannot be read or both are set.
 */
char *sk_env_secret(const char *name, struct sk_err *err);

/*
 * The retry policy of a step: sk_retry_policy_init (defaults, then the
 * STEPKIT_RETRY* environment) with sk_step_retry_notice as its notice, so
 * every retry is logged the same way. 0, or -1 with `err` (SK_E_USAGE).
 */
int sk_step_retry_policy(struct sk_retry_policy *p, struct sk_err *err);

/*
 * A `notice` for struct sk_retry_policy that logs one warning per retry:
 * "attempt 1/5 failed: <error>; retrying in 1.2 s".
 */
void sk_step_retry_notice(const struct sk_retry_state *st, double wait, const struct sk_err *e);

#endif
