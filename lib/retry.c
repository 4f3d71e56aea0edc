#include "base.h"
#include "retry.h"
#include "sig.h"

#include <math.h>
#include <sys/random.h>
#include <sys/time.h>

double sk_retry_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int env_number(const char *name, double lo, double hi, double *out, struct sk_err *err)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (!v || !*v)
		return 0;
	errno = 0;
	d = strtod(v, &end);
	if (errno || *end || !(d >= lo && d <= hi))
		return sk_err_set(err, SK_E_USAGE, "%s='%s': expected a number from %g to %g",
				  name, v, lo, hi);
	*out = d;
	return 0;
}

int sk_retry_policy_init(struct sk_retry_policy *p, struct sk_err *err)
{
	double attempts = 5;

	memset(p, 0, sizeof(*p));
	p->base_delay = 1;
	p->max_delay = 30;
	p->deadline = 300;
	if (env_number("STEPKIT_RETRIES", 1, 100, &attempts, err) < 0 ||
	    env_number("STEPKIT_RETRY_DELAY", 0, 3600, &p->base_delay, err) < 0 ||
	    env_number("STEPKIT_RETRY_MAX_DELAY", 0, 3600, &p->max_delay, err) < 0 ||
	    env_number("STEPKIT_RETRY_DEADLINE", 0, 86400, &p->deadline, err) < 0)
		return -1;
	p->max_attempts = (int)attempts;
	return 0;
}

/* A random fraction in [0, 1): jitter needs no cryptographic quality. */
static double unit_random(void)
{
	unsigned int r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned int)sk_retry_clock() * 2654435761u;
	return (double)r / 4294967296.0;
}

int sk_retry_pause(double secs)
{
	struct timespec ts;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0) {
		if (errno != EINTR || sk_interrupted())
			return -1;
	}
	return sk_interrupted() ? -1 : 0;
}

int sk_retry(const struct sk_retry_policy *p,
	     int (*op)(void *ctx, struct sk_retry_state *st, struct sk_err *err), void *ctx,
	     struct sk_retry_state *st, struct sk_err *err)
{
	double start = sk_retry_clock();
	double delay = p->base_delay;
	int max = p->max_attempts > 0 ? p->max_attempts : 1;

	st->max_attempts = max;
	st->deadline = p->deadline > 0 ? start + p->deadline : 0;
	for (st->attempt = 1;; st->attempt++) {
		double wait;

		st->retry_after = 0;
		sk_err_clear(err);
		if (op(ctx, st, err) == 0)
			return 0;
		if (err->code != SK_E_TRANSIENT || st->attempt >= max)
			return -1;
		if (sk_interrupted())
			return sk_err_set(err, SK_E_INTERRUPTED, "interrupted during retries");
		wait = st->retry_after > 0 ? st->retry_after : delay * (0.5 + 0.5 * unit_random());
		if (wait > p->max_delay)
			wait = p->max_delay;
		if (p->deadline > 0 && sk_retry_clock() - start + wait > p->deadline)
			return -1; /* the deadline comes first: give up with the last error */
		if (p->notice)
			p->notice(st, wait, err);
		if (sk_retry_pause(wait) < 0)
			return sk_err_set(err, SK_E_INTERRUPTED, "interrupted during retries");
		delay = fmin(delay * 2, p->max_delay);
	}
}

double sk_retry_remaining(const struct sk_retry_state *st)
{
	double left;

	if (!st || st->deadline <= 0)
		return -1;
	left = st->deadline - sk_retry_clock();
	return left > 0.001 ? left : 0.001;
}

double sk_retry_after_parse(const char *value)
{
	struct tm tm;
	char *end;
	double secs;

	if (!value)
		return 0;
	while (*value == ' ')
		value++;
	if (*value >= '0' && *value <= '9') {
		errno = 0;
		secs = strtod(value, &end);
		return errno || (*end && *end != '\r' && *end != '\n' && *end != ' ') ? 0 : secs;
	}
	memset(&tm, 0, sizeof(tm));
	if (!strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		return 0;
	secs = difftime(timegm(&tm), time(NULL));
	return secs > 0 ? secs : 0;
}
