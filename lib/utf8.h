/*
 * utf8.h: UTF-8 validation, for text that goes into mail headers, JSON and
 * summaries (jansson refuses invalid UTF-8; a mail header must not carry it).
 */
#ifndef SK_UTF8_H
#define SK_UTF8_H

#include <stddef.h>

/*
 * Length (1 to 4) of the well-formed UTF-8 sequence at `s`, reading at most
 * `left` bytes (left >= 1); 0 when the bytes there are not valid UTF-8
 * (overlong two-byte leads, stray continuation bytes, truncation).
 */
size_t sk_utf8_seq_len(const unsigned char *s, size_t left);

#endif
