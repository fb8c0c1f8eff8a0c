/* Product and API versions shared by ratchetd and ratchet. */
#ifndef RATCHET_VERSION_H
#define RATCHET_VERSION_H

#define RATCHET_VERSION "0.1.0"
#define RATCHET_API_VERSION 1

#endif
