/* Library-wide initialisation. */
#include "common.h"
#include "core.h"

void core_init(void)
{
	/* Nothing global yet: the numerical core turns GSL's aborting handler off here. */
}
