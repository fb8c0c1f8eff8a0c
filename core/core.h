/* Library-wide initialisation: every main() calls core_init() first. */
#ifndef RATCHET_CORE_H
#define RATCHET_CORE_H

/* Prepares the library (numerics error handling once GSL joins). Idempotent. */
void core_init(void);

#endif
