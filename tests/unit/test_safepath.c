/*
 * test_safepath.c: sk_path_inside_workdir and sk_path_escapes_workdir over
 * a private directory tree with links that stay inside the work directory
 * and links that leave it.
 */
#include "base.h"
#include "safepath.h"
#include "tap.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[] = "/tmp/sk-safepath-XXXXXX";
static char w[PATH_MAX];

/* A path under the test root. */
static const char *at(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", root, rel);
	return buf[k];
}

static void escapes(const char *rel, int want, const char *name)
{
	struct sk_err err = SK_ERR_INIT;
	int got = sk_path_escapes_workdir(w, at(rel), &err);

	ok(got == want, "%s: %d (want %d)%s%s", name, got, want, got < 0 ? ": " : "",
	   got < 0 ? err.msg : "");
}

int main(void)
{
	struct sk_err err = SK_ERR_INIT;
	FILE *f;

	if (!mkdtemp(root))
		return 1;
	snprintf(w, sizeof(w), "%s/w", root);
	if (mkdir(w, 0755) < 0 || mkdir(at("w/sub"), 0755) < 0 || !(f = fopen(at("w/r.csv"), "w")) ||
	    fclose(f) || !(f = fopen(at("secret"), "w")) || fclose(f) ||
	    symlink("r.csv", at("w/alias.csv")) < 0 || symlink(at("secret"), at("w/leak.csv")) < 0 ||
	    symlink("..", at("w/sub/up")) < 0 || symlink(root, at("w/root")) < 0 ||
	    symlink(at("w/r.csv"), at("outside-link")) < 0)
		return 1;

	is_int(sk_path_inside_workdir(w, at("w/r.csv"), &err), 1, "a file inside: inside");
	is_int(sk_path_inside_workdir(w, w, &err), 1, "the work directory itself: inside");
	is_int(sk_path_inside_workdir(w, at("w/leak.csv"), &err), 0, "a link to a file outside: outside");
	is_int(sk_path_inside_workdir(w, at("wx"), &err), -1, "a missing file: error");
	ok(strstr(err.msg, "No such file or directory") != NULL, "a missing file: says so: %s", err.msg);

	escapes("w/r.csv", 0, "a regular file inside");
	escapes("w/alias.csv", 0, "a link staying inside");
	escapes("w/sub/up/r.csv", 0, "a linked directory staying inside");
	escapes("w/leak.csv", 1, "a link leading out");
	escapes("w/root/secret", 1, "through a linked directory leading out");
	escapes("w/sub/../../secret", 1, "named inside, '..' leading out");
	escapes("secret", 0, "a regular file named outside on purpose");
	escapes("outside-link", 0, "a link outside pointing back inside");
	{
		char slash[PATH_MAX + 2];
		snprintf(slash, sizeof(slash), "%s/", w);
		is_int(sk_path_escapes_workdir(slash, at("w/leak.csv"), &err), 1,
		       "a work directory with a trailing '/'");
	}
	is_int(sk_path_escapes_workdir(w, at("w/none"), &err), -1, "a missing file: error");

	unlink(at("outside-link"));
	unlink(at("w/root"));
	unlink(at("w/sub/up"));
	unlink(at("w/leak.csv"));
	unlink(at("w/alias.csv"));
	unlink(at("secret"));
	unlink(at("w/r.csv"));
	rmdir(at("w/sub"));
	rmdir(w);
	rmdir(root);
	return done_testing();
}
