#include "base.h"
#include "k8sname.h"

#include <string.h>

int sk_k8s_name(const char *v, size_t max, int dots)
{
	size_t n = strlen(v);

	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];
		int alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (!alnum && !((ch == '-' || (dots && ch == '.')) && i > 0 && i + 1 < n))
			return 0;
	}
	return 1;
}
