#include "base.h"
#include "fsutil.h"
#include "sig.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#define AFILE_BUFSIZE (256 * 1024)

struct sk_afile {
	int fd;
	int slot; /* temp-file registry slot for signal cleanup */
	int on_signal; /* commit even when interrupted (the step event) */
	char path[PATH_MAX];
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

struct sk_afile *sk_afile_open(const char *path, struct sk_err *err)
{
	struct sk_afile *f = calloc(1, sizeof(*f));
	char copy[PATH_MAX];
	int n;

	if (!f) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		return NULL;
	}
	f->fd = -1;
	f->slot = -1;
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path) ||
	    snprintf(copy, sizeof(copy), "%s", path) >= (int)sizeof(copy)) {
		sk_err_set(err, SK_E_USAGE, "'%s': path too long", path);
		goto fail;
	}
	snprintf(f->dir, sizeof(f->dir), "%s", dirname(copy));
	snprintf(copy, sizeof(copy), "%s", path);
	n = snprintf(f->tmp, sizeof(f->tmp), "%s/.%s.tmp-XXXXXX", f->dir, basename(copy));
	if (n < 0 || n >= (int)sizeof(f->tmp)) {
		sk_err_set(err, SK_E_USAGE, "'%s': path too long", path);
		goto fail;
	}
	f->buf = malloc(AFILE_BUFSIZE);
	if (!f->buf || !(f->sha = sk_sha256_open(err))) {
		sk_err_set(err, SK_E_NOMEM, "out of memory");
		goto fail;
	}
	f->fd = mkostemp(f->tmp, O_CLOEXEC);
	if (f->fd < 0) {
		sk_err_set(err, SK_E_IO, "cannot create a file in '%s': %s", f->dir,
			   strerror(errno));
		goto fail;
	}
	f->slot = sk_tempfile_register(f->tmp);
	return f;
fail:
	afile_free(f);
	return NULL;
}

/* Hash and write `n` bytes straight to the file, classifying a failure. */
static int hash_and_write(struct sk_afile *f, const void *p, size_t n, struct sk_err *err)
{
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

int sk_afile_commit(struct sk_afile *f, struct sk_file_info *info, struct sk_err *err)
{
	int ret = -1;

	if (flush(f, err) < 0)
		goto out;
	if (fsync(f->fd) < 0) {
		sk_err_set(err, SK_E_IO, "fsync '%s': %s", f->path, strerror(errno));
		goto out;
	}
	/* group-writable: the next step may run as another uid in group 0 */
	if (fchmod(f->fd, 0664) < 0) {
		sk_err_set(err, SK_E_IO, "chmod '%s': %s", f->path, strerror(errno));
		goto out;
	}
	if (close(f->fd) < 0) {
		f->fd = -1;
		sk_err_set(err, SK_E_IO, "close '%s': %s", f->path, strerror(errno));
		goto out;
	}
	f->fd = -1;
	if (sk_interrupted() && !f->on_signal) {
		sk_err_set(err, SK_E_INTERRUPTED, "'%s': not written: interrupted by signal %d",
			   f->path, sk_interrupt_signal());
		goto out;
	}
	if (rename(f->tmp, f->path) < 0) {
		sk_err_set(err, SK_E_IO, "rename to '%s': %s", f->path, strerror(errno));
		goto out;
	}
	sk_tempfile_forget(f->slot);
	f->slot = -1;
	f->tmp[0] = '\0';
	if (sync_dir(f->dir, err) < 0)
		goto out;
	if (info) {
		snprintf(info->path, sizeof(info->path), "%s", f->path);
		info->bytes = f->bytes;
		sk_sha256_hex(f->sha, info->sha256);
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
	struct sk_afile *f = sk_afile_open(path, err);

	if (!f)
		return -1;
	f->on_signal = on_signal;
	if (sk_afile_write(f, data, len, err) < 0) {
		sk_afile_abort(f);
		return -1;
	}
	return sk_afile_commit(f, info, err);
}

int sk_check_writable(const char *path, struct sk_err *err)
{
	struct sk_afile *f = sk_afile_open(path, err);

	if (!f)
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
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	size_t len;

	if (!fp) {
		sk_err_set(err, SK_E_IO, "'%s': %s", path, strerror(errno));
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
