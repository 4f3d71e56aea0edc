#include "base.h"
#include "star.h"

int sk_star_load(struct sk_pg *db, const char *path, struct sk_step *s,
		 struct sk_load_counts *c, struct sk_err *err)
{
	(void)db, (void)path, (void)s, (void)c;
	return sk_err_set(err, SK_E_USAGE, "--target sales-star: not built yet");
}

int sk_star_check(struct sk_pg *db, const char *path, struct sk_err *err)
{
	(void)db, (void)path;
	return sk_err_set(err, SK_E_USAGE, "--target sales-star: not built yet");
}
