/* protocol.c -- releasing a compiled protocol (see protocol.h). */
#include <stdlib.h>

#include "protocol/protocol.h"

void mk_protocol_free(mk_protocol *p)
{
    if (!p) return;
    free(p->params);
    free(p->changes);
    free(p->meas);
    free(p->notes);
    free(p->yaml_text);
    free(p->y0);
    free(p);
}
