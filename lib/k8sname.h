#ifndef SK_K8SNAME_H
#define SK_K8SNAME_H

#include <stddef.h>

/*
 * Whether `v` is a Kubernetes name of at most `max` bytes (RFC 1123): lower-case
 * letters, digits and '-' (and '.' with `dots`: a DNS subdomain such as a
 * workflow's name; without: a label such as a namespace), starting and ending
 * with a letter or digit. Such a name is safe to paste into a shell or a URL
 * path as it is. 1 or 0.
 */
int sk_k8s_name(const char *v, size_t max, int dots);

#endif
