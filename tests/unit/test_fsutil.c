/* Unit tests for lib/fsutil.c and lib/errors.c: atomic files, paths, errors. */
#include "base.h"
#include "errors.h"
#include "fsutil.h"
#include "sig.h"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/sk-fsutil-XXXXXX";

static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}


/* Create `name` in the test directory holding `text`; its path in `out`. */
static void plant(char out[PATH_MAX], const char *name, const char *text)
{
	FILE *fp;

	snprintf(out, PATH_MAX, "%s/%s", dir, name);
	fp = fopen(out, "w");
	if (fp) {
		fputs(text, fp);
		fclose(fp);
	}
}

static int found_n;
static unsigned long long found_bytes;

static void count_stale(void *ctx, const char *path, unsigned long long bytes)
{
	(void)ctx, (void)path;
	found_n++;
	found_bytes += bytes;
}

/* Temporary files of dead writers go, live writers' stay (item: SIGKILL). */
static void test_stale(void)
{
	struct sk_err err = SK_ERR_INIT;
	char dead[PATH_MAX], live[PATH_MAX], other[PATH_MAX], keep[PATH_MAX], out[PATH_MAX];
	struct sk_afile *f;
	int held;

	plant(dead, ".st.csv.tmp-AbC123", "half a file");
	plant(live, ".st.csv.tmp-Zz9Zz9", "being written");
	plant(other, ".other.csv.tmp-q1w2e3", "another file's");
	plant(keep, ".st.csv.tmp-notours", "not a temporary name");
	/* a live writer holds a lock on its temporary file */
	held = open(live, O_RDWR | O_CLOEXEC);
	ok(held >= 0 && flock(held, LOCK_EX) == 0, "a live writer's lock");

	found_n = 0;
	found_bytes = 0;
	is_int(sk_stale_temps(dir, NULL, 0, count_stale, NULL, &err), 2,
	       "stale_temps finds the dead writers' files of every name");
	is_int(found_n, 2, "and reports each");
	is_int(found_bytes, strlen("half a file") + strlen("another file's"), "with its size");
	ok(access(dead, F_OK) == 0, "a look removes nothing");

	snprintf(out, sizeof(out), "%s/st.csv", dir);
	f = sk_afile_open(out, &err);
	ok(f != NULL, "open st.csv");
	ok(access(dead, F_OK) != 0, "opening a file removes its dead writers' temporary files");
	ok(access(live, F_OK) == 0, "a live writer's temporary file stays");
	ok(access(other, F_OK) == 0, "another file's stays");
	ok(access(keep, F_OK) == 0, "a name that is not a temporary one stays");
	ok(sk_afile_commit(f, NULL, &err) == 0, "commit st.csv");
	close(held); /* the writer dies: its lock goes */
	f = sk_afile_open(out, &err);
	ok(access(live, F_OK) != 0, "once its writer is gone it goes too");
	sk_afile_abort(f);
	is_int(sk_stale_temps(dir, "other.csv", 1, NULL, NULL, &err), 1, "remove one name's");
	ok(access(other, F_OK) != 0, "removed");
	ok(sk_stale_temps("/nonexistent-dir", NULL, 0, NULL, NULL, &err) < 0 && err.code == SK_E_IO,
	   "an unreadable directory is an error");
	unlink(keep);
	unlink(out);
}

/* Two writers of one file at once: both commit, one wins whole. */
static void test_concurrent(void)
{
	struct sk_err err = SK_ERR_INIT;
	char out[PATH_MAX];
	struct sk_afile *a, *b;
	char *text;

	snprintf(out, sizeof(out), "%s/both.csv", dir);
	a = sk_afile_open(out, &err);
	ok(a && sk_afile_write(a, "first\n", 6, &err) == 0, "writer A");
	b = sk_afile_open(out, &err); /* cleans before A committed: A must survive */
	ok(b && sk_afile_write(b, "second\n", 7, &err) == 0, "writer B");
	ok(sk_afile_commit(a, NULL, &err) == 0, "A commits");
	ok(sk_afile_commit(b, NULL, &err) == 0, "B commits");
	text = sk_read_small_file(out, 100, 0, &err);
	is_str(text, "second\n", "the last commit wins, whole");
	free(text);
	is_int(sk_stale_temps(dir, NULL, 0, NULL, NULL, &err), 0, "no temporary file left");
	unlink(out);
}

/* Only a regular file (or nothing) is renamed over (item: /dev/null). */
static void test_kinds(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_file_info info;
	char path[PATH_MAX], link[PATH_MAX], target[PATH_MAX], want[PATH_MAX + 128];
	struct sk_afile *f;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int sock, fds[2];
	char *text;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/null", dir);
	if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		f = sk_afile_open(path, &err);
		ok(f && sk_afile_write(f, "abc", 3, &err) == 0 && sk_afile_commit(f, &info, &err) == 0,
		   "a character device is written in place");
		ok(stat(path, &st) == 0 && S_ISCHR(st.st_mode), "and is still a character device");
		is_int(info.bytes, 3, "its bytes counted");
		ok(sk_check_writable(path, &err) == 0, "check_writable: a character device");
		ok(sk_output_check(path, &err) == 0, "output_check: a character device");
		unlink(path);
		snprintf(path, sizeof(path), "%s/blk", dir);
		ok(mknod(path, S_IFBLK | 0600, makedev(7, 200)) == 0, "a block device node");
		ok(sk_afile_open(path, &err) == NULL && err.code == SK_E_USAGE, "a block device is refused");
		snprintf(want, sizeof(want),
			 "'%s' is a block device: an output must be a regular file, a character device or a FIFO", path);
		is_str(err.msg, want, "naming it");
		ok(stat(path, &st) == 0 && S_ISBLK(st.st_mode), "and it is left as it was");
		unlink(path);
	} else {
		printf("# skipped the device tests: mknod needs root\n");
	}

	snprintf(path, sizeof(path), "%s/fifo", dir);
	ok(mkfifo(path, 0600) == 0, "a FIFO");
	ok(sk_check_writable(path, &err) == 0, "check_writable: a FIFO without a reader");
	ok(pipe(fds) == 0, "a pipe for the reader's result");
	if ((pid = fork()) == 0) {
		char buf[64];
		int fd = open(path, O_RDONLY), n = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf));
		_exit(n == 6 && !memcmp(buf, "hello\n", 6) ? 0 : 1);
	}
	f = sk_afile_open(path, &err);
	ok(f && sk_afile_write(f, "hello\n", 6, &err) == 0 && sk_afile_commit(f, NULL, &err) == 0,
	   "a FIFO is written in place");
	ok(waitpid(pid, &sock, 0) == pid && WIFEXITED(sock) && WEXITSTATUS(sock) == 0,
	   "its reader got the bytes");
	ok(stat(path, &st) == 0 && S_ISFIFO(st.st_mode), "and it is still a FIFO");
	close(fds[0]);
	close(fds[1]);

	/* the FIFO as an input: nobody writes; SIGTERM ends the wait */
	ok(pipe(fds) == 0, "a pipe to say 'ready'");
	if ((pid = fork()) == 0) {
		struct sk_err e = SK_ERR_INIT;
		int fd;
		sk_signals_init();
		close(fds[0]);
		if (write(fds[1], "r", 1) != 1)
			_exit(3);
		fd = sk_open_input(path, &e);
		_exit(fd < 0 && e.code == SK_E_INTERRUPTED ? 0 : 1);
	}
	close(fds[1]);
	{
		char c;
		ok(read(fds[0], &c, 1) == 1, "the reader is ready");
	}
	close(fds[0]);
	kill(pid, SIGTERM);
	ok(waitpid(pid, &sock, 0) == pid && WIFEXITED(sock) && WEXITSTATUS(sock) == 0,
	   "open_input: a FIFO nobody writes to is left on SIGTERM (SK_E_INTERRUPTED)");
	if ((pid = fork()) == 0) {
		int fd = open(path, O_WRONLY);
		_exit(fd >= 0 && write(fd, "x,y\n", 4) == 4 ? 0 : 1);
	}
	{
		int fd = sk_open_input(path, &err);
		char buf[8] = {0};
		ok(fd >= 0 && read(fd, buf, sizeof(buf)) == 4 && !strcmp(buf, "x,y\n") &&
		   !(fcntl(fd, F_GETFL) & O_NONBLOCK), "open_input: a FIFO with a writer, blocking");
		if (fd >= 0)
			close(fd);
		waitpid(pid, NULL, 0);
	}
	unlink(path);

	ok(sk_open_input(dir, &err) < 0 && err.code == SK_E_IO, "open_input: a directory is refused");
	snprintf(want, sizeof(want), "'%s': Is a directory", dir);
	is_str(err.msg, want, "naming it");

	snprintf(path, sizeof(path), "%s/adir", dir);
	mkdir(path, 0755);
	ok(sk_afile_open(path, &err) == NULL && err.code == SK_E_USAGE, "a directory is refused");
	snprintf(want, sizeof(want),
		 "'%s' is a directory: an output must be a regular file, a character device or a FIFO", path);
	is_str(err.msg, want, "naming it");
	ok(sk_check_writable(path, &err) < 0 && err.code == SK_E_USAGE, "check_writable: a directory");
	ok(sk_write_file_atomic(path, "x", 1, 1, NULL, &err) < 0 && err.code == SK_E_USAGE,
	   "write_file_atomic: a directory");
	ok(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "the directory stays");
	rmdir(path);

	snprintf(path, sizeof(path), "%s/sock", dir);
	memcpy(sa.sun_path, path, strlen(path) < sizeof(sa.sun_path) ? strlen(path) + 1 : 1);
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	ok(sock >= 0 && bind(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0, "a socket");
	ok(sk_output_check(path, &err) < 0 && err.code == SK_E_USAGE && strstr(err.msg, "is a socket"),
	   "a socket is refused");
	close(sock);
	unlink(path);

	/* a link to a regular file: the file is replaced, the link stays */
	plant(target, "real.csv", "old\n");
	snprintf(link, sizeof(link), "%s/link.csv", dir);
	ok(symlink("real.csv", link) == 0, "a link to a file");
	ok(sk_write_file_atomic(link, "new\n", 4, 0, NULL, &err) == 0, "written through");
	text = sk_read_small_file(target, 100, 0, &err);
	is_str(text, "new\n", "the file it leads to is replaced");
	free(text);
	ok(lstat(link, &st) == 0 && S_ISLNK(st.st_mode), "the link stays a link");
	unlink(target);
	ok(sk_afile_open(link, &err) == NULL && err.code == SK_E_USAGE, "a link to nothing is refused");
	unlink(link);

	{
		unsigned long long avail = 0, total = 0;
		ok(sk_fs_space(dir, &avail, &total, &err) == 0 && total > 0 && avail <= total,
		   "fs_space");
	}
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	struct sk_file_info info;
	struct sk_afile *f;
	char path[512], joined[PATH_MAX];
	struct stat st;
	char *text;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/out.csv", dir);

	f = sk_afile_open(path, &err);
	ok(f != NULL, "open");
	ok(sk_afile_write(f, "abc", 3, &err) == 0, "write");
	ok(access(path, F_OK) != 0, "final name absent before commit");
	/* none with O_TMPFILE (the file has no name yet), else one */
	ok(entries() <= 1, "at most one temporary file while writing");
	ok(sk_afile_commit(f, &info, &err) == 0, "commit");
	is_int(info.bytes, 3, "bytes counted");
	is_str(info.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of 'abc'");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0664, "committed file is group-writable 0664");
	is_int(entries(), 1, "only the final file remains");

	f = sk_afile_open(path, &err);
	ok(sk_afile_write(f, "zzz", 3, &err) == 0, "second write");
	sk_afile_abort(f);
	text = sk_read_small_file(path, 100, 0, &err);
	is_str(text, "abc", "abort keeps the old content");
	free(text);
	is_int(entries(), 1, "abort removes the temporary file");

	ok(sk_afile_open("/nonexistent-dir/x.csv", &err) == NULL && err.code == SK_E_IO, "missing dir fails");
	is_str(err.msg, "cannot create a file in '/nonexistent-dir': No such file or directory", "missing dir message");

	snprintf(path, sizeof(path), "%s/whole.txt", dir);
	ok(sk_write_file_atomic(path, "hello\n", 6, 0, &info, &err) == 0, "write a buffer atomically");
	text = sk_read_small_file(path, 100, 0, &err);
	is_str(text, "hello\n", "its content");
	free(text);
	is_int(info.bytes, 6, "its size");
	ok(sk_write_file_atomic("/nonexistent-dir/x", "a", 1, 0, NULL, &err) < 0 && err.code == SK_E_IO,
	   "write into a missing directory fails");
	ok(sk_write_file_cache(path, "again\n", 6, &err) == 0, "a cache file replaces a regular file");
	text = sk_read_small_file(path, 100, 0, &err);
	is_str(text, "again\n", "cache file: its content");
	free(text);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0664, "cache file: group-writable 0664");
	is_int(entries(), 2, "cache file: no temporary file left");
	snprintf(joined, sizeof(joined), "%s/fifo", dir);
	ok(mkfifo(joined, 0600) == 0 && sk_write_file_cache(joined, "x", 1, &err) < 0 &&
	   err.code == SK_E_USAGE, "a cache file is never written into a FIFO (no wait for a reader)");
	ok(strstr(err.msg, "is not a regular file: a kept file is replaced, never written where it is") != NULL,
	   "cache file over a FIFO: message");
	unlink(joined);
	ok(sk_check_writable(path, &err) == 0, "check_writable: an existing directory");
	is_int(entries(), 2, "check_writable leaves nothing behind");
	ok(sk_check_writable("/nonexistent-dir/x", &err) < 0 && err.code == SK_E_IO,
	   "check_writable: a missing directory");
	is_str(err.msg, "cannot create a file in '/nonexistent-dir': No such file or directory",
	       "check_writable message");
	unlink(path);

	sk_path_join(joined, "work", "a.csv", &err);
	is_str(joined, "work/a.csv", "join");
	sk_path_join(joined, ".", "a.csv", &err);
	is_str(joined, "a.csv", "join with .");
	sk_path_join(joined, "work", "/abs/a.csv", &err);
	is_str(joined, "/abs/a.csv", "absolute name kept");

	snprintf(path, sizeof(path), "%s/x/y/z", dir);
	ok(sk_mkdir_p(path, &err) == 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode), "mkdir -p");
	ok(sk_mkdir_p(path, &err) == 0, "mkdir -p again");

	sk_err_set(&err, SK_E_TRANSIENT, "connect: refused");
	sk_err_prefix(&err, "host '%s'", "db");
	is_str(err.msg, "host 'db': connect: refused", "prefix");
	is_int(err.code, SK_E_TRANSIENT, "prefix keeps the code");
	is_int(sk_ecode_exit(SK_E_TRANSIENT), 75, "transient exits 75");
	is_int(sk_ecode_exit(SK_E_USAGE), 2, "usage exits 2");
	is_int(sk_ecode_exit(SK_E_DATA), 1, "data exits 1");
	is_int(sk_ecode_exit(SK_E_QUALITY), 3, "quality exits 3");

	test_stale();
	test_concurrent();
	test_kinds();

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return done_testing();
}
