/*
 * Unit tests for lib/utf8.c against a reference written the other way
 * round: decode any lead and continuation bytes to a code point, then refuse
 * what Unicode refuses (an encoding longer than the shortest, a surrogate,
 * above U+10FFFF). Every one- to three-byte string is compared, four-byte
 * strings on a grid; then the block validator on random text.
 */
#include "base.h"
#include "utf8.h"
#include "tap.h"

/* The reference: length of the valid sequence at s, or 0. */
static size_t ref_len(const unsigned char *s, size_t left)
{
	size_t n;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1fu;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0fu;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0; /* overlong */
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}


/* The reference over a whole string: the valid prefix. */
static size_t ref_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && (n = ref_len(s + i, len - i)))
		i += n;
	return i;
}

static void check_file(const char *path, size_t want_prefix, const char *name)
{
	unsigned char buf[64];
	FILE *fp = fopen(path, "rb");
	size_t n = fp ? fread(buf, 1, sizeof(buf), fp) : 0;

	if (fp)
		fclose(fp);
	ok(n > 0, "%s: read %s", name, path);
	is_int(sk_utf8_valid_prefix((const char *)buf, n), want_prefix, "%s: refused", name);
	is_int(sk_utf8_seq_len(buf, n), 0, "%s: not a sequence", name);
}

int main(int argc, char **argv)
{
	unsigned char s[4];
	unsigned long bad = 0, first = 0;

	tap_seed(0x243F6A8885A308D3ULL);
	char text[4096], out[64];

	/* all strings of one to three bytes */
	for (unsigned long v = 0; v < (1ul << 24); v++) {
		s[0] = (unsigned char)(v >> 16), s[1] = (unsigned char)(v >> 8), s[2] = (unsigned char)v;
		for (size_t left = 1; left <= 3; left++)
			if (sk_utf8_seq_len(s, left) != ref_len(s, left) && !bad++)
				first = v;
	}
	is_int(bad, 0, "every 1-3 byte string as the reference says (first differing %06lx)", first);
	/* four bytes: every lead and second byte, continuation edges for the rest */
	static const unsigned char edge[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xff};
	bad = 0;
	for (unsigned a = 0xe0; a <= 0xff; a++)
		for (unsigned b = 0; b <= 0xff; b++)
			for (size_t c = 0; c < sizeof(edge); c++)
				for (size_t d = 0; d < sizeof(edge); d++) {
					s[0] = (unsigned char)a, s[1] = (unsigned char)b;
					s[2] = edge[c], s[3] = edge[d];
					if (sk_utf8_seq_len(s, 4) != ref_len(s, 4) && !bad++)
						first = a << 24 | b << 16 | edge[c] << 8 | edge[d];
				}
	is_int(bad, 0, "four-byte strings as the reference says (first differing %08lx)", first);

	ok(sk_utf8_seq_len((const unsigned char *)"\xED\xA0\x80", 3) == 0, "ED A0 80 (a surrogate) refused");
	ok(sk_utf8_seq_len((const unsigned char *)"\xC0\xAF", 2) == 0, "C0 AF (overlong '/') refused");
	ok(sk_utf8_seq_len((const unsigned char *)"\xE0\x80\xAF", 3) == 0, "E0 80 AF (overlong) refused");
	ok(sk_utf8_seq_len((const unsigned char *)"\xF4\x90\x80\x80", 4) == 0, "F4 90 80 80 (U+110000) refused");
	ok(sk_utf8_seq_len((const unsigned char *)"\xF4\x8F\xBF\xBF", 4) == 4, "U+10FFFF accepted");
	ok(sk_utf8_seq_len((const unsigned char *)"\xED\x9F\xBF", 3) == 3, "U+D7FF accepted");
	ok(sk_utf8_incomplete((const unsigned char *)"\xE2\x82", 2), "E2 82: a cut character");
	ok(!sk_utf8_incomplete((const unsigned char *)"\xED\xA0", 2), "ED A0: never valid, not cut");
	ok(!sk_utf8_incomplete((const unsigned char *)"\xC3\xA9", 2), "C3 A9: whole, not cut");

	/* the block validator over random text with rare bad bytes, all offsets */
	bad = 0;
	for (unsigned c = 0; c < 20000; c++) {
		static const char *const pieces[] = {"a", "plain ascii text ", "\xC3\xA9", "\xE6\x9D\xB1",
						     "\xF0\x9F\x98\x80", "\xED\xA0\x80", "\xC3", "\x80",
						     "\xF4\x90\x80\x80", ",", "\n"};
		size_t len = 0, n = 1 + tap_rnd(60);
		for (size_t i = 0; i < n && len < sizeof(text) - 32; i++) {
			const char *p = pieces[tap_rnd(8) ? tap_rnd(5) : tap_rnd(11)];
			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		size_t off = tap_rnd(8);
		if (sk_utf8_valid_prefix(text + off, len - off) !=
			    ref_prefix((const unsigned char *)text + off, len - off) && !bad++)
			first = c;
	}
	is_int(bad, 0, "valid_prefix agrees with the reference on random text (first differing %lu)", first);

	sk_utf8_escape(out, sizeof(out), "Caf\xE9 \xED\xA0\x80 ok\x01", 12, 1);
	is_str(out, "Caf\\xE9 \\xED\\xA0\\x80 ok?", "escape: bad bytes as \\xHH, controls as ?");
	sk_utf8_escape(out, 8, "ab\xC3\xA9\xC3\xA9\xC3\xA9", 8, 0);
	is_str(out, "ab\xC3\xA9\xC3\xA9", "escape: stops before a character that does not fit");
	sk_utf8_escape(out, 6, "abc\xFF", 4, 0);
	is_str(out, "abc", "escape: stops before an escape that does not fit");

	/* the regression input: an events file name of ED A0 80 stopped notify */
	check_file(argc > 1 ? argv[1] : "tests/fixtures/regressions/utf8-surrogate.bin", 0,
		   "utf8-surrogate.bin");
	return done_testing();
}
