#include "base.h"
#include "sig.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#define MAX_TEMPFILES 16

static volatile sig_atomic_t caught;

/*
 * A fixed table, so the handler never touches malloc'd or half-updated
 * memory: a slot is only marked in use after its path is fully written.
 */
static struct {
	volatile sig_atomic_t used;
	char path[PATH_MAX];
} temps[MAX_TEMPFILES];

static void on_term(int sig)
{
	int saved = errno;

	if (!caught)
		caught = sig;
	for (size_t i = 0; i < MAX_TEMPFILES; i++)
		if (temps[i].used)
			unlink(temps[i].path); /* async-signal-safe */
	errno = saved;
}

void sk_signals_init(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocking read returns EINTR and loops see the flag;
	 * SA_RESETHAND: a second signal gets the default action at once */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	/* a mask inherited blocked (some supervisors exec so) would make the
	 * step deaf to SIGTERM; one already pending is handled right here */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int sk_interrupted(void)
{
	return caught != 0;
}

int sk_interrupt_signal(void)
{
	return caught;
}

int sk_tempfile_register(const char *path)
{
	size_t len = strlen(path);

	if (len >= PATH_MAX)
		return -1;
	for (int i = 0; i < MAX_TEMPFILES; i++) {
		if (temps[i].used)
			continue;
		memcpy(temps[i].path, path, len + 1);
		temps[i].used = 1;
		return i;
	}
	return -1;
}

void sk_tempfile_forget(int slot)
{
	if (slot >= 0 && slot < MAX_TEMPFILES)
		temps[slot].used = 0;
}

void sk_reraise(void)
{
	struct sigaction sa;
	int sig = caught;

	if (!sig)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(sig, &sa, NULL);
	raise(sig);
}

void sk_stdfds_ensure(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* open returns the lowest free fd: exactly `fd` here */
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) < 0)
			abort();
	}
}

int sk_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* the new thread inherits the mask */
	rc = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
