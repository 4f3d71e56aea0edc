/*
 * fuzz_utf8: libFuzzer target for lib/utf8.c, differential against a plain
 * byte-at-a-time decoder written here from Unicode 15 Table 3-7 (the
 * well-formed byte sequences): sk_utf8_seq_len at every offset,
 * sk_utf8_valid_prefix, sk_utf8_valid, sk_utf8_incomplete, and
 * sk_utf8_escape, whose output must be valid, NUL-terminated and fit.
 */
#include "base.h"
#include "utf8.h"

/* Length of the well-formed sequence at s (at most `left` bytes), 0 if none. */
static size_t ref_seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (left < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/* Could the `left` bytes (fewer than a whole sequence) still become one? */
static int ref_incomplete(const unsigned char *s, size_t left)
{
	unsigned char big[4] = {0};

	if (left == 0 || left >= 4)
		return 0;
	/* try every continuation: some completion makes it well formed */
	for (unsigned a = 0x80; a <= 0xBF; a++)
		for (unsigned b = 0x80; b <= 0xBF; b++) {
			memcpy(big, s, left);
			for (size_t i = left; i < 4; i++)
				big[i] = (unsigned char)(i == left ? a : b);
			size_t n = ref_seq_len(big, 4);
			if (n > left)
				return 1;
		}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t prefix = 0, i = 0;
	char out[256];

	while (i < size) {
		size_t want = ref_seq_len(data + i, size - i);
		size_t got = sk_utf8_seq_len(data + i, size - i);
		if (want != got)
			__builtin_trap();
		if (!want)
			break;
		i += want;
	}
	prefix = i;
	if (sk_utf8_valid_prefix(s, size) != prefix)
		__builtin_trap();
	if (sk_utf8_valid(s, size) != (prefix == size))
		__builtin_trap();
	if (prefix < size && size - prefix < 4 &&
	    sk_utf8_incomplete(data + prefix, size - prefix) != ref_incomplete(data + prefix, size - prefix))
		__builtin_trap();
	for (size_t cap = 1; cap <= sizeof(out); cap = cap * 3 + 1) {
		int controls = (int)(size & 1);
		size_t n = sk_utf8_escape(out, cap, s, size, controls);
		/* a NUL is valid UTF-8 and is copied unless controls are replaced */
		if (n >= cap || out[n] != '\0' || (controls && strlen(out) != n) ||
		    !sk_utf8_valid(out, n))
			__builtin_trap();
	}
	return 0;
}
