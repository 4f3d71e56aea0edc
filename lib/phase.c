#include "base.h"
#include "phase.h"

#include <time.h>

static _Thread_local double totals[SK_NPHASES];

double sk_phase_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sk_phase_add(enum sk_phase p, double seconds)
{
	if ((unsigned)p < SK_NPHASES && seconds > 0)
		totals[p] += seconds;
}

double sk_phase_seconds(enum sk_phase p)
{
	return (unsigned)p < SK_NPHASES ? totals[p] : 0;
}
