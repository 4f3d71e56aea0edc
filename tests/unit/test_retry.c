/* Unit tests for lib/retry.c: which errors are retried, how often, Retry-After. */
#include "base.h"
#include "retry.h"
#include "tap.h"

struct script {
	int fail_times;
	enum sk_ecode code;
	int calls;
	double retry_after;
};

static int op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	struct script *s = ctx;

	s->calls++;
	if (s->calls > s->fail_times)
		return 0;
	st->retry_after = s->retry_after;
	return sk_err_set(err, s->code, "failure %d", s->calls);
}

/* What an attempt sees of the deadline. */
static double seen_left;
static int remaining_op(void *ctx, struct sk_retry_state *st, struct sk_err *err)
{
	(void)ctx;
	(void)err;
	seen_left = sk_retry_remaining(st);
	return 0;
}

static int notices;
static double last_wait;
static void notice(const struct sk_retry_state *st, double wait, const struct sk_err *e)
{
	(void)st;
	(void)e;
	notices++;
	last_wait = wait;
}

int main(void)
{
	struct sk_retry_policy p = {.max_attempts = 4, .base_delay = 0.001, .max_delay = 0.01,
				    .notice = notice};
	struct sk_retry_state st;
	struct sk_err err = SK_ERR_INIT;
	struct script s = {2, SK_E_TRANSIENT, 0, 0};

	ok(sk_retry(&p, op, &s, &st, &err) == 0, "transient twice then success");
	is_int(s.calls, 3, "three attempts");
	is_int(st.attempt, 3, "state says attempt 3");
	is_int(notices, 2, "two retry notices");

	s = (struct script){10, SK_E_TRANSIENT, 0, 0};
	ok(sk_retry(&p, op, &s, &st, &err) < 0, "gives up");
	is_int(s.calls, 4, "after max_attempts");
	is_int(err.code, SK_E_TRANSIENT, "still transient (exit 75)");
	is_str(err.msg, "failure 4", "last error kept");

	s = (struct script){10, SK_E_PERMANENT, 0, 0};
	ok(sk_retry(&p, op, &s, &st, &err) < 0 && s.calls == 1, "permanent: no retry");

	notices = 0;
	s = (struct script){1, SK_E_TRANSIENT, 0, 5.0};
	ok(sk_retry(&p, op, &s, &st, &err) == 0, "retry-after honoured");
	ok(last_wait == 0.01, "retry-after capped by max_delay (%g)", last_wait);

	p.deadline = 0.000001;
	p.base_delay = 0.01;
	s = (struct script){10, SK_E_TRANSIENT, 0, 0};
	ok(sk_retry(&p, op, &s, &st, &err) < 0 && s.calls == 1, "deadline stops before waiting past it");

	p.deadline = 100;
	ok(sk_retry(&p, remaining_op, NULL, &st, &err) == 0 && seen_left > 99 && seen_left <= 100,
	   "an attempt learns the time left before the deadline (%g)", seen_left);
	p.deadline = 0;
	sk_retry(&p, remaining_op, NULL, &st, &err);
	ok(seen_left == -1, "no deadline: -1");
	st = (struct sk_retry_state){0};
	ok(sk_retry_remaining(&st) == -1, "outside sk_retry: -1");
	st.deadline = sk_retry_clock() - 5;
	ok(sk_retry_remaining(&st) == 0.001, "a deadline passed: 1 ms, never 0 (0 means none)");

	ok(sk_retry_after_parse("120") == 120, "retry-after seconds");
	ok(sk_retry_after_parse("0") == 0, "retry-after zero");
	ok(sk_retry_after_parse("soon") == 0, "retry-after garbage");
	ok(sk_retry_after_parse(NULL) == 0, "retry-after absent");
	ok(sk_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT") == 0, "retry-after date in the past");
	return done_testing();
}
