#include "base.h"
#include "fsutil.h"
#include "sig.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define AFILE_BUFSIZE (256 * 1024)
#define TMP_TAG ".tmp-"
#define TMP_SUFFIX_LEN 6 /* mkostemp's XXXXXX */
#define WAIT_POLL_MS 200 /* how often a wait for a FIFO's peer looks at the signal flag */

struct sk_afile {
	int fd;
	int slot; /* temp-file registry slot for signal cleanup */
	int on_signal; /* commit even when interrupted (the step event) */
	int inplace; /* a character device or FIFO: written where it is */
	int unnamed; /* O_TMPFILE: the temporary file has no name until the commit */
	int no_sync; /* a cache file (sk_write_file_cache): no fsync, no hash */
	char path[PATH_MAX];   /* as the caller named it (messages, the event) */
	char target[PATH_MAX]; /* what is renamed over: `path`, or where its link leads */
	char tmp[PATH_MAX];
	char dir[PATH_MAX];
	unsigned char *buf;
	size_t len;
	unsigned long long bytes;
	struct sk_sha256 *sha;
};

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR && !sk_interrupted())
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void afile_free(struct sk_afile *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	sk_sha256_close(f->sha);
	free(f->buf);
	free(f);
}

/* A character of a temporary name's random suffix (mkostemp's alphabet). */
static int suffix_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/*
 * Whether `name` is the temporary file of an atomic write of `base`
 * (".BASE.tmp-XXXXXX"), or of any file when `base` is NULL.
 */
static int is_temp_name(const char *name, const char *base)
{
	size_t n = strlen(name), tag = strlen(TMP_TAG);
	const char *sfx;

	if (n < 1 + 1 + tag + TMP_SUFFIX_LEN || name[0] != '.')
		return 0;
	sfx = name + n - TMP_SUFFIX_LEN;
	for (size_t i = 0; i < TMP_SUFFIX_LEN; i++)
		if (!suffix_char((unsigned char)sfx[i]))
			return 0;
	if (memcmp(sfx - tag, TMP_TAG, tag) != 0)
		return 0;
	if (!base)
		return 1;
	return (size_t)(sfx - tag - (name + 1)) == strlen(base) &&
	       !memcmp(name + 1, base, strlen(base));
}

int sk_stale_temps(const char *dir, const char *base, int remove,
		   void (*cb)(void *ctx, const char *path, unsigned long long bytes), void *ctx,
		   struct sk_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return sk_err_set(err, SK_E_IO, "read directory '%s': %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		struct stat st, now;
		char path[PATH_MAX];
		int fd;

		if (!is_temp_name(e->d_name, base) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		/* the lock wants a writable file on NFS; read-only is enough elsewhere */
		fd = openat(dirfd(d), e->d_name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* a live writer holds the lock from the file's first name to its
		 * rename; a process that died, even by SIGKILL, holds nothing. When
		 * locks do not work here, nothing is taken for stale. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
		    fstatat(dirfd(d), e->d_name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
		    now.st_ino == st.st_ino && now.st_dev == st.st_dev) {
			found++;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (cb)
				cb(ctx, path, (unsigned long long)st.st_size);
			if (remove)
				unlinkat(dirfd(d), e->d_name, 0);
		}
		close(fd); /* drops the lock */
	}
	closedir(d);
	return found;
}

int sk_fs_space(const char *dir, unsigned long long *avail, unsigned long long *total,
		struct sk_err *err)
{
	struct statvfs v;

	if (statvfs(dir, &v) < 0)
		return sk_err_set(err, SK_E_IO, "free space of '%s': %s", dir, strerror(errno));
	*avail = (unsigned long long)v.f_bavail * v.f_frsize;
	*total = (unsigned long long)v.f_blocks * v.f_frsize;
	return 0;
}

/* Sleep `ms` milliseconds, or less when a signal arrives. */
static void nap(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Clear O_NONBLOCK: the fd was opened non-blocking only so that open()
 * itself could not wait for a FIFO's peer. */
static int make_blocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

int sk_open_input(const char *path, struct sk_err *err)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(EISDIR));
		goto fail;
	}
	/* A FIFO without a writer: the non-blocking open returned at once;
	 * wait for the writer's first bytes (or its close) here, looking at the
	 * signal flag between short polls, so SIGTERM always ends the wait. */
	while (S_ISFIFO(st.st_mode)) {
		struct pollfd p = {fd, POLLIN, 0};
		int rc;

		if (sk_interrupted()) {
			sk_err_set(err, SK_E_INTERRUPTED,
				   "'%s': a FIFO: interrupted while waiting for its writer", path);
			goto fail;
		}
		rc = poll(&p, 1, WAIT_POLL_MS);
		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR) {
			sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
			goto fail;
		}
	}
	if (make_blocking(fd) < 0) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* What an output path is, and so how it is written. */
enum out_kind { OUT_FILE, OUT_INPLACE };

static const char *kind_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

/*
 * Classify `path` as an output: nothing or a regular file is replaced
 * atomically (`target` the name to rename over: `path`, or the file its
 * symbolic link leads to); a character device or FIFO is written where it
 * is; anything else is refused, since renaming over it would destroy it.
 */
static int classify(const char *path, char target[PATH_MAX], struct sk_err *err)
{
	struct stat st;
	char *real;

	snprintf(target, PATH_MAX, "%s", path);
	if (lstat(path, &st) < 0 || S_ISREG(st.st_mode))
		return OUT_FILE; /* missing: created (a bad directory fails there) */
	if (S_ISLNK(st.st_mode)) {
		if (stat(path, &st) < 0)
			return sk_err_set(err, SK_E_USAGE,
					  "'%s': a symbolic link to nothing (%s): an output must be "
					  "a regular file, a character device or a FIFO",
					  path, strerror(errno));
		if (S_ISREG(st.st_mode)) {
			/* the file the link leads to is replaced; the link stays */
			if (!(real = realpath(path, NULL)))
				return sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
			if (snprintf(target, PATH_MAX, "%s", real) >= PATH_MAX) {
				free(real);
				return sk_err_set(err, SK_E_USAGE, "'%s': path too long", path);
			}
			free(real);
			return OUT_FILE;
		}
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		return OUT_INPLACE;
	return sk_err_set(err, SK_E_USAGE,
			  "'%s' is %s: an output must be a regular file, a character device or a FIFO",
			  path, kind_name(st.st_mode));
}

int sk_output_check(const char *path, struct sk_err *err)
{
	char target[PATH_MAX];

	return classify(path, target, err) < 0 ? -1 : 0;
}

/* Open a character device or FIFO for writing, where it is. A FIFO without
 * a reader is waited for (non-blocking opens fail with ENXIO until one
 * comes), and a signal ends the wait. */
static int open_inplace(struct sk_afile *f, struct sk_err *err)
{
	for (;;) {
		f->fd = open(f->path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (f->fd >= 0)
			break;
		if (errno != ENXIO)
			return sk_err_set(err, SK_E_IO, "open '%s': %s", f->path, strerror(errno));
		if (sk_interrupted())
			return sk_err_set(err, SK_E_INTERRUPTED,
					  "'%s': a FIFO: interrupted while waiting for its reader",
					  f->path);
		nap(WAIT_POLL_MS / 4);
	}
	if (make_blocking(f->fd) < 0)
		return sk_err_set(err, SK_E_IO, "open '%s': %s", f->path, strerror(errno));
	f->inplace = 1;
	return 0;
}

/* A random suffix for a temporary name, from mkostemp's alphabet. */
static void random_suffix(char out[TMP_SUFFIX_LEN + 1])
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[TMP_SUFFIX_LEN];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		unsigned long long x = (unsigned long long)time(NULL) ^
				       ((unsigned long long)getpid() << 20) ^ (uintptr_t)r;
		for (size_t i = 0; i < sizeof(r); i++, x = x * 6364136223846793005ULL + 1)
			r[i] = (unsigned char)(x >> 33);
	}
	for (size_t i = 0; i < TMP_SUFFIX_LEN; i++)
		out[i] = abc[r[i] % (sizeof(abc) - 1)];
	out[TMP_SUFFIX_LEN] = '\0';
}

/* ".BASE.tmp-" + a fresh suffix in f->tmp. */
static int temp_name(struct sk_afile *f, struct sk_err *err)
{
	char copy[PATH_MAX], sfx[TMP_SUFFIX_LEN + 1];
	int n;

	random_suffix(sfx);
	snprintf(copy, sizeof(copy), "%s", f->target);
	n = snprintf(f->tmp, sizeof(f->tmp), "%s/.%s" TMP_TAG "%s", f->dir, basename(copy), sfx);
	if (n < 0 || n >= (int)sizeof(f->tmp))
		return sk_err_set(err, SK_E_USAGE, "'%s': path too long", f->path);
	return 0;
}

/*
 * Create the temporary file. Linux O_TMPFILE gives one without a name: a
 * writer killed even by SIGKILL leaves nothing behind, and its space comes
 * back at once; it gets a name only for the instant between link and rename.
 * Elsewhere a named file ".BASE.tmp-XXXXXX". Either way the file is locked
 * before it has a name and until it has its final one, which is how the next
 * writer tells a dead writer's file (removed) from a live one's (left alone).
 */
static int open_temp(struct sk_afile *f, struct sk_err *err)
{
#if defined(O_TMPFILE) && !defined(SK_NO_TMPFILE) /* SK_NO_TMPFILE: test the fallback */
	/* the link at commit goes through /proc/self/fd (no privilege needed) */
	if (access("/proc/self/fd", X_OK) == 0) {
		f->fd = open(f->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (f->fd >= 0) {
			flock(f->fd, LOCK_EX);
			f->unnamed = 1;
			return 0;
		}
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return sk_err_set(err, SK_E_IO, "cannot create a file in '%s': %s", f->dir,
					  strerror(errno));
	}
#endif
	for (int tries = 0; tries < 10; tries++) {
		struct stat st;
		int n = snprintf(f->tmp, sizeof(f->tmp), "%s/.%s" TMP_TAG "XXXXXX", f->dir,
				 strrchr(f->target, '/') ? strrchr(f->target, '/') + 1 : f->target);

		if (n < 0 || n >= (int)sizeof(f->tmp))
			return sk_err_set(err, SK_E_USAGE, "'%s': path too long", f->path);
		f->fd = mkostemp(f->tmp, O_CLOEXEC);
		if (f->fd < 0)
			return sk_err_set(err, SK_E_IO, "cannot create a file in '%s': %s", f->dir,
					  strerror(errno));
		/* a cleaner may have taken the new file for a dead writer's in the
		 * instant before this lock: it then unlinked it; start again */
		flock(f->fd, LOCK_EX);
		if (fstat(f->fd, &st) == 0 && st.st_nlink > 0) {
			if (!f->on_signal)
				f->slot = sk_tempfile_register(f->tmp);
			return 0;
		}
		close(f->fd);
		f->fd = -1;
	}
	return sk_err_set(err, SK_E_IO, "cannot create a file in '%s': removed as soon as created",
			  f->dir);
}

/* Flags of afile_open. */
enum {
	AF_ON_SIGNAL = 1,  /* commit even after a signal (sk_write_file_atomic) */
	AF_NO_CLEANUP = 2, /* leave dead writers' temporary files (--check) */
	AF_CACHE = 4,      /* sk_write_file_cache: a regular file, no fsync, no hash */
};

static struct sk_afile *afile_open(const char *path, int flags, struct sk_err *err)
{
	struct sk_afile *f = calloc(1, sizeof(*f));
	char copy[PATH_MAX];
	int kind;

	if (!f) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	f->fd = -1;
	f->slot = -1;
	f->on_signal = !!(flags & AF_ON_SIGNAL);
	f->no_sync = !!(flags & AF_CACHE);
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path)) {
		sk_err_set(err, SK_E_USAGE, "'%s': path too long", path);
		goto fail;
	}
	if ((kind = classify(path, f->target, err)) < 0)
		goto fail;
	snprintf(copy, sizeof(copy), "%s", f->target);
	snprintf(f->dir, sizeof(f->dir), "%s", dirname(copy));
	if (kind == OUT_INPLACE && (flags & AF_CACHE)) {
		sk_err_set(err, SK_E_USAGE, "'%s' is not a regular file: a kept file is replaced, "
			   "never written where it is: remove it", path);
		goto fail;
	}
	f->buf = malloc(AFILE_BUFSIZE);
	if (!f->buf || (!f->no_sync && !(f->sha = sk_sha256_open(err)))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	if (kind == OUT_INPLACE) {
		if (open_inplace(f, err) < 0)
			goto fail;
		return f;
	}
	/* what killed writers of this file left behind goes first: on a small
	 * volume it is what would fill it (best effort: the create reports a
	 * directory that cannot be read) */
	snprintf(copy, sizeof(copy), "%s", f->target);
	if (!(flags & AF_NO_CLEANUP))
		sk_stale_temps(f->dir, basename(copy), 1, NULL, NULL, NULL);
	if (open_temp(f, err) < 0)
		goto fail;
	return f;
fail:
	afile_free(f);
	return NULL;
}

struct sk_afile *sk_afile_open(const char *path, struct sk_err *err)
{
	return afile_open(path, 0, err);
}

/* Hash and write `n` bytes straight to the file, classifying a failure. */
static int hash_and_write(struct sk_afile *f, const void *p, size_t n, struct sk_err *err)
{
	if (f->sha)
		sk_sha256_update(f->sha, p, n);
	if (write_all(f->fd, p, n) < 0) {
		if (sk_interrupted())
			return sk_err_set(err, SK_E_INTERRUPTED, "write '%s': interrupted", f->path);
		return sk_err_set(err, SK_E_IO, "write '%s': %s", f->path, strerror(errno));
	}
	return 0;
}

static int flush(struct sk_afile *f, struct sk_err *err)
{
	if (f->len == 0)
		return 0;
	if (hash_and_write(f, f->buf, f->len, err) < 0)
		return -1;
	f->len = 0;
	return 0;
}

int sk_afile_write(struct sk_afile *f, const void *p, size_t n, struct sk_err *err)
{
	f->bytes += n;
	if (n > AFILE_BUFSIZE - f->len) {
		if (flush(f, err) < 0)
			return -1;
		if (n >= AFILE_BUFSIZE)
			return hash_and_write(f, p, n, err);
	}
	memcpy(f->buf + f->len, p, n);
	f->len += n;
	return 0;
}

/* fsync the directory so the rename itself survives a crash. */
static int sync_dir(const char *dir, struct sk_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return sk_err_set(err, SK_E_IO, "open directory '%s': %s", dir, strerror(errno));
	/* some file systems refuse fsync on directories: not an error */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		ret = sk_err_set(err, SK_E_IO, "fsync '%s': %s", dir, strerror(errno));
	close(fd);
	return ret;
}

/* Give the unnamed temporary file its name, just before the rename. */
static int link_temp(struct sk_afile *f, struct sk_err *err)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
	for (int tries = 0; tries < 10; tries++) {
		if (temp_name(f, err) < 0)
			return -1;
		if (linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp, AT_SYMLINK_FOLLOW) == 0) {
			if (!f->on_signal)
				f->slot = sk_tempfile_register(f->tmp);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	f->tmp[0] = '\0';
	return sk_err_set(err, SK_E_IO, "cannot create a file in '%s': %s", f->dir, strerror(errno));
}

/* The commit of a character device or FIFO: the bytes are already there. */
static int commit_inplace(struct sk_afile *f, struct sk_err *err)
{
	if (flush(f, err) < 0)
		return -1;
	if (close(f->fd) < 0) {
		f->fd = -1;
		return sk_err_set(err, SK_E_IO, "close '%s': %s", f->path, strerror(errno));
	}
	f->fd = -1;
	if (sk_interrupted() && !f->on_signal)
		return sk_err_set(err, SK_E_INTERRUPTED, "'%s': interrupted by signal %d", f->path,
				  sk_interrupt_signal());
	return 0;
}

int sk_afile_commit(struct sk_afile *f, struct sk_file_info *info, struct sk_err *err)
{
	int ret = -1;

	if (f->inplace) {
		if (commit_inplace(f, err) < 0)
			goto out;
		goto done;
	}
	if (flush(f, err) < 0)
		goto out;
	if (!f->no_sync && fsync(f->fd) < 0) {
		sk_err_set(err, SK_E_IO, "fsync '%s': %s", f->path, strerror(errno));
		goto out;
	}
	/* group-writable: the next step may run as another uid in group 0 */
	if (fchmod(f->fd, 0664) < 0) {
		sk_err_set(err, SK_E_IO, "chmod '%s': %s", f->path, strerror(errno));
		goto out;
	}
	if (sk_interrupted() && !f->on_signal) {
		sk_err_set(err, SK_E_INTERRUPTED, "'%s': not written: interrupted by signal %d",
			   f->path, sk_interrupt_signal());
		goto out;
	}
	if (f->unnamed && link_temp(f, err) < 0)
		goto out;
	if (rename(f->tmp, f->target) < 0) {
		sk_err_set(err, SK_E_IO, "rename to '%s': %s", f->path, strerror(errno));
		goto out;
	}
	sk_tempfile_forget(f->slot);
	f->slot = -1;
	f->tmp[0] = '\0';
	/* closed only now: the lock covered the temporary name to its end */
	if (close(f->fd) < 0) {
		f->fd = -1;
		sk_err_set(err, SK_E_IO, "close '%s': %s", f->path, strerror(errno));
		goto out;
	}
	f->fd = -1;
	if (!f->no_sync && sync_dir(f->dir, err) < 0)
		goto out;
done:
	if (info) {
		snprintf(info->path, sizeof(info->path), "%s", f->path);
		info->bytes = f->bytes;
		if (f->sha)
			sk_sha256_hex(f->sha, info->sha256);
		else
			info->sha256[0] = '\0';
	}
	ret = 0;
out:
	if (ret < 0)
		sk_afile_abort(f);
	else
		afile_free(f);
	return ret;
}

void sk_afile_abort(struct sk_afile *f)
{
	if (!f)
		return;
	if (f->tmp[0])
		unlink(f->tmp);
	sk_tempfile_forget(f->slot);
	afile_free(f);
}

int sk_write_file_atomic(const char *path, const void *data, size_t len, int on_signal,
			 struct sk_file_info *info, struct sk_err *err)
{
	struct sk_afile *f = afile_open(path, on_signal ? AF_ON_SIGNAL : 0, err);

	if (!f)
		return -1;
	if (sk_afile_write(f, data, len, err) < 0) {
		sk_afile_abort(f);
		return -1;
	}
	return sk_afile_commit(f, info, err);
}

int sk_write_file_cache(const char *path, const void *data, size_t len, struct sk_err *err)
{
	struct sk_afile *f = afile_open(path, AF_CACHE | AF_NO_CLEANUP, err);

	if (!f)
		return -1;
	if (sk_afile_write(f, data, len, err) < 0) {
		sk_afile_abort(f);
		return -1;
	}
	return sk_afile_commit(f, NULL, err);
}

int sk_check_writable(const char *path, struct sk_err *err)
{
	struct sk_afile *f;
	char target[PATH_MAX];
	int kind = classify(path, target, err), fd;
	struct stat st;

	if (kind < 0)
		return -1;
	if (kind == OUT_INPLACE) {
		/* a FIFO is not opened: its reader would see an end of data */
		if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
			if (access(path, W_OK) < 0)
				return sk_err_set(err, SK_E_IO, "open '%s': %s", path, strerror(errno));
			return 0;
		}
		fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return sk_err_set(err, SK_E_IO, "open '%s': %s", path, strerror(errno));
		close(fd);
		return 0;
	}
	/* a check changes nothing: stale temporary files stay (it reports them) */
	if (!(f = afile_open(path, AF_NO_CLEANUP, err)))
		return -1;
	sk_afile_abort(f);
	return 0;
}

const char *sk_afile_path(const struct sk_afile *f)
{
	return f->path;
}

int sk_mkdir_p(const char *dir, struct sk_err *err)
{
	char p[PATH_MAX];
	size_t len;

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return sk_err_set(err, SK_E_USAGE, "'%s': path too long", dir);
	len = strlen(p);
	for (size_t i = 1; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		p[i] = '\0';
		if (mkdir(p, 02775) == 0) {
			/* the umask (022 by default) would take group write away:
			 * the next step may run as another uid in group 0 */
			if (chmod(p, 02775) < 0)
				return sk_err_set(err, SK_E_IO, "chmod directory '%s': %s", p,
						  strerror(errno));
		} else if (errno != EEXIST) {
			return sk_err_set(err, SK_E_IO, "create directory '%s': %s", p,
					  strerror(errno));
		}
		p[i] = i < len ? '/' : '\0';
	}
	return 0;
}

int sk_path_join(char out[PATH_MAX], const char *dir, const char *name,
		 struct sk_err *err)
{
	int n;

	if (name[0] == '/' || strchr(name, '/') || !dir || !*dir || !strcmp(dir, "."))
		n = snprintf(out, PATH_MAX, "%s", name);
	else
		n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX)
		return sk_err_set(err, SK_E_USAGE, "'%s/%s': path too long", dir, name);
	return 0;
}

char *sk_read_small_file(const char *path, size_t max, int strip_nl, struct sk_err *err)
{
	int fd = sk_open_input(path, err);
	FILE *fp = fd >= 0 ? fdopen(fd, "rb") : NULL;
	char *data = NULL;
	size_t len;

	if (!fp) {
		if (fd >= 0) {
			sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
			close(fd);
		}
		return NULL;
	}
	data = malloc(max + 1);
	if (!data) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	len = fread(data, 1, max + 1, fp);
	if (ferror(fp)) {
		sk_err_set(err, SK_E_IO, "read '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (len > max) {
		sk_err_set(err, SK_E_IO, "'%s': larger than %zu bytes", path, max);
		goto fail;
	}
	data[len] = '\0';
	while (strip_nl && len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	fclose(fp);
	return data;
fail:
	free(data);
	fclose(fp);
	return NULL;
}

char *sk_read_config(const char *path, size_t max, const char *setting, struct sk_err *err)
{
	char *text = sk_read_small_file(path, max, 0, err);

	if (!text && err->code != SK_E_INTERRUPTED) {
		err->code = SK_E_USAGE;
		sk_err_prefix(err, "%s", setting);
	}
	return text;
}
