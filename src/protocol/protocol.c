/* protocol.c -- releasing a compiled protocol and reading it (protocol.h, myoknot/scenario.h). */
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

const char *mk_protocol_name(const mk_protocol *p) { return p ? p->name : ""; }
const char *mk_protocol_file(const mk_protocol *p) { return p ? p->file : ""; }
const char *mk_protocol_muscle(const mk_protocol *p) { return p ? p->muscle : ""; }
const char *mk_protocol_side(const mk_protocol *p) { return p ? p->side : ""; }
double mk_protocol_duration_s(const mk_protocol *p) { return p ? p->duration_s : 0.0; }
double mk_protocol_output_every_s(const mk_protocol *p) { return p ? p->output_every_s : 0.0; }
