#include "base.h"
#include "utf8.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * The second byte's range depends on the first (Table 3-7); the third and
 * fourth are always 80..BF.
 */
static int second_ok(unsigned char lead, unsigned char b)
{
	switch (lead) {
	case 0xe0:
		return b >= 0xa0 && b <= 0xbf; /* no overlong three-byte forms */
	case 0xed:
		return b >= 0x80 && b <= 0x9f; /* no surrogates D800..DFFF */
	case 0xf0:
		return b >= 0x90 && b <= 0xbf; /* no overlong four-byte forms */
	case 0xf4:
		return b >= 0x80 && b <= 0x8f; /* nothing above U+10FFFF */
	default:
		return (b & 0xc0) == 0x80;
	}
}

static size_t lead_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

size_t sk_utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n = lead_len(s[0]);

	if (n <= 1)
		return n;
	if (n > left || !second_ok(s[0], s[1]))
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

int sk_utf8_incomplete(const unsigned char *s, size_t left)
{
	size_t n = left ? lead_len(s[0]) : 0;

	if (n <= left || (left >= 2 && !second_ok(s[0], s[1])))
		return 0;
	for (size_t i = 2; i < left; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return 1;
}

size_t sk_utf8_valid_prefix(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		size_t n;
		/* the common case: runs of ASCII, checked a block at a time */
#if defined(__SSE2__)
		for (; i + 32 <= len; i += 32) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
			if (_mm_movemask_epi8(_mm_or_si128(a, b)))
				break;
		}
#endif
		for (; i + 8 <= len; i += 8) {
			uint64_t x;
			memcpy(&x, s + i, 8);
			if (x & 0x8080808080808080ULL)
				break;
		}
		while (i < len && s[i] < 0x80)
			i++;
		/* then the non-ASCII characters, one by one, until ASCII again */
		while (i < len && s[i] >= 0x80) {
			if (!(n = sk_utf8_seq_len(s + i, len - i)))
				return i;
			i += n;
		}
	}
	return len;
}

int sk_utf8_valid(const char *s, size_t len)
{
	return sk_utf8_valid_prefix(s, len) == len;
}

size_t sk_utf8_escape(char *out, size_t cap, const char *str, size_t len, int controls)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		size_t n = sk_utf8_seq_len(s + i, len - i);

		if (n == 0) {
			if (cap - o <= 4)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 15];
			i++;
			continue;
		}
		if (cap - o <= n)
			break;
		if (controls && n == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			out[o++] = '?';
		else
			memcpy(out + o, s + i, n), o += n;
		i += n;
	}
	out[o] = '\0';
	return o;
}
