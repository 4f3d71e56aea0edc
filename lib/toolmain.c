/*
 * toolmain.c: the only main() (git common-main.c). Linked into each tool,
 * not into the archive, so unit tests can bring their own main().
 */
#include "base.h"
#include "sig.h"
#include "step.h"

extern const struct sk_tool tool; /* supplied by tools/NAME.c */

int main(int argc, char **argv)
{
	sk_stdfds_ensure();
	sk_signals_init();
	return sk_step_main(&tool, argc, argv);
}
