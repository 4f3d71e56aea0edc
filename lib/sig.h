/*
 * sig.h: signal handling, the dull way (style(9), git sigchain).
 *
 * SIGPIPE is ignored (these are network clients: EPIPE is an error return),
 * SIGXFSZ too (a file-size limit becomes EFBIG, reported like a full disk).
 * The first SIGTERM or SIGINT sets a flag that long loops poll with
 * sk_interrupted() and, inside the handler, unlinks every registered
 * temporary file, so no half-written output survives even if the process is
 * then killed with SIGKILL. A second signal kills at once (default action).
 */
#ifndef SK_SIG_H
#define SK_SIG_H

#include <pthread.h>

/* Install the handlers and unblock SIGTERM, SIGINT and SIGHUP (a blocked
 * mask can be inherited across exec; a signal pending then is handled at
 * once). Call once, first thing in main(). */
void sk_signals_init(void);

/* Non-zero once SIGTERM or SIGINT arrived. */
int sk_interrupted(void);

/* The signal number that interrupted us, or 0. */
int sk_interrupt_signal(void);

/*
 * Register `path` (copied) as a temporary file to unlink if a signal arrives.
 * Returns a slot number >= 0, or -1 when the table is full or the path too
 * long (the caller then just lacks signal-time cleanup).
 */
int sk_tempfile_register(const char *path);

/* Forget slot `slot` (after the file was renamed or removed). -1 is ignored. */
void sk_tempfile_forget(int slot);

/*
 * Restore the default action of the signal that interrupted us and raise it
 * again, so the parent (Argo, a shell) sees death by that signal. Returns only
 * if no signal was received.
 */
void sk_reraise(void);

/*
 * Start a thread running fn(arg) with every signal blocked, so that SIGTERM
 * and SIGINT reach the calling thread, whose reads and polls they interrupt
 * and whose loops check sk_interrupted(). 0, or pthread_create()'s error.
 */
int sk_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* Make sure fds 0, 1 and 2 are open (to /dev/null if not), as curl and git do. */
void sk_stdfds_ensure(void);

#endif
