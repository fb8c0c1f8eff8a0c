/* Library-wide initialisation. */
#include "common.h"
#include "core.h"
#include "stats/status.h"

void core_init(void)
{
	stats_init(); /* GSL's default handler aborts the process; ratchet checks every return */
}
