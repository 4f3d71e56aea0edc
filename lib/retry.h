/*
 * retry.h: the one retry policy (curl retrycheck, DESIGN.md exit codes).
 *
 * An operation is retried only while it fails with SK_E_TRANSIENT; anything
 * else (or success) ends the loop at once. Waits double from `base_delay`
 * up to `max_delay`, with jitter (a random point in the upper half of the
 * wait, so a fleet of pods does not retry in lockstep). A server's own
 * request (HTTP Retry-After, S3 SlowDown) replaces the computed wait, still
 * capped by `max_delay`. The loop stops early when a termination signal
 * arrives or when the next wait would pass the overall deadline; the
 * operation itself learns the time left (sk_retry_remaining()) so that an
 * attempt in progress ends at the deadline too. When it
 * gives up, `err` holds the last failure (still SK_E_TRANSIENT: exit 75, so
 * Argo's retryStrategy can try again later in a new pod).
 */
#ifndef SK_RETRY_H
#define SK_RETRY_H

#include "errors.h"

struct sk_retry_state;

struct sk_retry_policy {
	int max_attempts;  /* total attempts, at least 1 */
	double base_delay; /* seconds before the second attempt */
	double max_delay;  /* cap on any single wait, seconds */
	double deadline;   /* overall budget in seconds from the first attempt; 0: none */
	/* Called before each wait (for a log line); may be NULL. */
	void (*notice)(const struct sk_retry_state *st, double wait, const struct sk_err *e);
};

/* Per-run state, readable by the operation and after the loop. */
struct sk_retry_state {
	int attempt;        /* 1 for the first attempt */
	int max_attempts;
	double retry_after; /* set by the operation: server-requested wait (s), 0 none */
	double deadline;    /* set by sk_retry(): when the policy's deadline passes, on
			       the monotonic clock of sk_retry_clock(); 0: no deadline */
};

/* Seconds on the monotonic clock sk_retry() measures its deadline with. */
double sk_retry_clock(void);

/*
 * Seconds left before the deadline of the sk_retry() loop running `st`, for
 * an operation that must not outlive it (an HTTP request bounds itself with
 * it, so a server that trickles its answer cannot hold the step past the
 * deadline): at least 0.001 once the deadline has passed, or -1 when there
 * is no deadline (the policy has none, or `st` is not inside sk_retry()).
 */
double sk_retry_remaining(const struct sk_retry_state *st);

/* The defaults: 5 attempts, 1 s doubling to 30 s, 300 s deadline; then the
 * environment: STEPKIT_RETRIES (attempts), STEPKIT_RETRY_DELAY (base
 * seconds), STEPKIT_RETRY_MAX_DELAY, STEPKIT_RETRY_DEADLINE. Returns 0, or -1
 * with `err` (SK_E_USAGE) naming the bad variable. */
int sk_retry_policy_init(struct sk_retry_policy *p, struct sk_err *err);

/*
 * Run `op(ctx, st, err)` until it returns 0, fails with a code other than
 * SK_E_TRANSIENT, or the policy is exhausted. `st` (caller-owned) tells the
 * op which attempt this is and lets it set retry_after. Returns 0 or -1.
 */
int sk_retry(const struct sk_retry_policy *p,
	     int (*op)(void *ctx, struct sk_retry_state *st, struct sk_err *err), void *ctx,
	     struct sk_retry_state *st, struct sk_err *err);

/* Sleep `secs` (the waits between attempts, a rate limit's), waking early
 * with -1 when a termination signal asks us to stop; else 0. */
int sk_retry_pause(double secs);

/* Parse an HTTP Retry-After value (delta-seconds or an HTTP date) into
 * seconds from now; 0 when absent or unparseable. */
double sk_retry_after_parse(const char *value);

#endif
