/* Unit tests for lib/fsutil.c and lib/errors.c: atomic files, paths, errors. */
#include "base.h"
#include "errors.h"
#include "fsutil.h"
#include "tap.h"

#include <dirent.h>
#include <sys/stat.h>
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
	is_int(entries(), 1, "one temporary file while writing");
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

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return done_testing();
}
