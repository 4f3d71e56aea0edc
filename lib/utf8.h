/*
 * utf8.h: the one UTF-8 validator of stepkit, strict as Unicode 15 Table 3-7
 * and RFC 3629 (what jansson, PostgreSQL and mail readers accept): overlong
 * forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16 surrogates (ED A0..BF) and
 * code points above U+10FFFF (F4 90.., F5..FF) are refused, as are stray
 * continuation bytes and truncated sequences.
 *
 * The CSV reader validates every byte it reads with it (SPEC.md section 1);
 * log messages, events, summaries and mail headers use it to decide what to
 * escape or replace. Callers never decode UTF-8 themselves.
 */
#ifndef SK_UTF8_H
#define SK_UTF8_H

#include <stddef.h>

/*
 * Length (1 to 4) of the well-formed UTF-8 sequence at `s`, reading at most
 * `left` bytes (left >= 1); 0 when the bytes there are not valid UTF-8.
 */
size_t sk_utf8_seq_len(const unsigned char *s, size_t left);

/*
 * Bytes of the longest prefix of `s` made of whole valid sequences: `len`
 * when all of `s` is valid UTF-8, else the offset of the first sequence that
 * is not. ASCII goes sixteen bytes a step; this is the CSV reader's check
 * of every byte, so it must stay fast.
 */
size_t sk_utf8_valid_prefix(const char *s, size_t len);

/* 1 if the `len` bytes at `s` are valid UTF-8, else 0. */
int sk_utf8_valid(const char *s, size_t len);

/*
 * 1 if the `left` bytes at `s` (fewer than a whole sequence needs) could
 * still become a valid sequence when more bytes follow: a block boundary
 * that cut a character, not an error yet.
 */
int sk_utf8_incomplete(const unsigned char *s, size_t left);

/*
 * Copy the `len` bytes at `s` to `out` (room for `cap` bytes, cap >= 1) with
 * every byte that is not part of a valid sequence written as `\xHH` (upper
 * case hex) and, when `controls` is set, every control character (< 0x20,
 * 0x7f) as `?`. Stops before a character that does not fit, so the result
 * is always valid UTF-8 and NUL-terminated. Returns its length.
 */
size_t sk_utf8_escape(char *out, size_t cap, const char *s, size_t len, int controls);

#endif
