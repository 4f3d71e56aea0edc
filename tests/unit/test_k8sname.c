/* Unit tests for lib/k8sname.c: Kubernetes names, labels and subdomains. */
#include "base.h"
#include "k8sname.h"
#include "tap.h"

int main(void)
{
	ok(sk_k8s_name("sales-analysis-x7k2p", 63, 0), "a workflow name");
	ok(sk_k8s_name("a", 63, 0), "one character");
	ok(sk_k8s_name("0abc9", 63, 0), "digits at the ends");
	ok(!sk_k8s_name("", 63, 0), "empty");
	ok(!sk_k8s_name("-abc", 63, 0), "a leading '-'");
	ok(!sk_k8s_name("abc-", 63, 0), "a trailing '-'");
	ok(!sk_k8s_name("Sales", 63, 0), "upper case");
	ok(!sk_k8s_name("a_b", 63, 0), "an underscore");
	ok(!sk_k8s_name("a;rm -rf", 63, 0), "shell characters");
	ok(!sk_k8s_name("a.b", 63, 0), "a dot in a label");
	ok(sk_k8s_name("a.b", 253, 1), "a dot in a subdomain");
	ok(!sk_k8s_name(".ab", 253, 1), "a leading dot");
	ok(!sk_k8s_name("ab.", 253, 1), "a trailing dot");
	ok(sk_k8s_name("abcde", 5, 0), "at the limit");
	ok(!sk_k8s_name("abcdef", 5, 0), "over the limit");
	return done_testing();
}
