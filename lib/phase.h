/*
 * phase.h: where a step's time goes, for the event's metrics.phases
 * (step.c). The library's CSV reader and writer add the wall time the
 * calling thread spends blocked on input and on output, timed per block of
 * 256 or 512 KiB (never per row: a clock read per row would cost more than
 * some steps' work); step.c counts the rest of the step's wall time as
 * processing. Totals are per thread: a helper thread's time (a piece of a
 * threaded analysis, the writer's thread) is not the step's wall time.
 */
#ifndef SK_PHASE_H
#define SK_PHASE_H

enum sk_phase {
	SK_PHASE_READ,  /* read calls on input files, their UTF-8 check and sha256 */
	SK_PHASE_WRITE, /* writing outputs: waiting on the writer, flush, fsync, rename */
	SK_NPHASES
};

/* A monotonic clock in seconds, for sk_phase_add() intervals. */
double sk_phase_clock(void);

/* Add `seconds` to the calling thread's total of phase `p`. */
void sk_phase_add(enum sk_phase p, double seconds);

/* The calling thread's total of phase `p`, in seconds. */
double sk_phase_seconds(enum sk_phase p);

#endif
