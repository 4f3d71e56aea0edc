/*
 * White-box test of how lib/csvio.c makes libcsv grow its field buffer (the
 * file is compiled into this test to reach the parser inside the reader).
 * libcsv adds its block size at each growth, 128 bytes unless told: a field
 * of 2 MB cost 16,000 reallocs, each copying up to 2 MB (quadratic; 35 s
 * under ASan for one 734 kB field). The reader must keep it to a few dozen.
 */
#include "csvio.c"
#include "tap.h"

static unsigned long grows;

static void *counting_realloc(void *p, size_t n)
{
	grows++;
	return realloc(p, n);
}

int main(void)
{
	static const char *const hdr[] = {"a", "b", "c"};
	char dir[] = "/tmp/sk-csvgrow-XXXXXX", path[64];
	struct sk_err err = SK_ERR_INIT;
	struct sk_csv_reader *r;
	struct sk_csv_row row;
	size_t n = 2u << 20;
	char *big = malloc(n + 64);
	FILE *fp;
	int rc;

	if (!mkdtemp(dir) || !big) {
		printf("1..0 # SKIP cannot create a directory in /tmp\n");
		return 0;
	}
	snprintf(path, sizeof(path), "%s/big.csv", dir);
	/* a quoted field of 2 MB (a quote makes the line libcsv's) */
	memcpy(big, "a,b,c\n1,\"", 9);
	memset(big + 9, 'Q', n);
	memcpy(big + 9 + n, "\",3\n", 4);
	fp = fopen(path, "wb");
	ok(fp && fwrite(big, 1, n + 13, fp) == n + 13 && fclose(fp) == 0, "write a 2 MB field");
	r = sk_csv_open(path, hdr, 3, &err);
	ok(r != NULL, "open");
	if (r)
		csv_set_realloc_func(&r->parser, counting_realloc);
	rc = r ? sk_csv_next(r, &row, &err) : -1;
	ok(rc == 1 && row.len[1] == n, "the 2 MB field is read whole");
	ok(grows <= 64, "libcsv's buffer grew %lu times (at most 64)", grows);
	sk_csv_close(r);
	unlink(path);
	rmdir(dir);
	free(big);
	return done_testing();
}
