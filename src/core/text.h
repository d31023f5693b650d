/* text.h -- small text utilities shared by the modules that suggest names and read files. */
#ifndef MK_CORE_TEXT_H
#define MK_CORE_TEXT_H

#include "myoknot.h"

/* Optimal string alignment distance (insertions, deletions, substitutions and adjacent
 * transpositions each cost one), ignoring ASCII case; 1000 for names over 64 bytes.  For
 * "did you mean" hints. */
int mk_edit_distance(const char *a, const char *b);

#endif
