/*
 * anatomy.h -- body regions, muscles and spinal segments (data/anatomy/ CSV files, embedded in
 * the library at build time so a run needs no data files).
 *
 * Region ids are side-free in the data ("temple"); lateral regions exist as "temple_r" and
 * "temple_l", midline ones ("vertex", "throat", "sternum", "sacrum_coccyx") once.
 */
#ifndef MK_BODY_ANATOMY_H
#define MK_BODY_ANATOMY_H

#include "myoknot.h"

/* The declarations are public: include/myoknot/scenario.h. */
#include "myoknot/scenario.h"

#endif
