/* text.h -- small text utilities shared by the modules that suggest names and read files. */
#ifndef MK_CORE_TEXT_H
#define MK_CORE_TEXT_H

#include <stddef.h>

#include "myoknot.h"

/* Optimal string alignment distance (insertions, deletions, substitutions and adjacent
 * transpositions each cost one), ignoring ASCII case; 1000 for names over 64 bytes.  For
 * "did you mean" hints. */
int mk_edit_distance(const char *a, const char *b);

/* How close cand is to a misspelt name, lower is closer: twice the edit distance, one less
 * when one extends the other ("core.po" -> "core.po2" before "core.ph"). */
int mk_hint_score(const char *name, const char *cand);
/* The largest score that still makes cand a hint for name (more for longer names). */
int mk_hint_limit(const char *name);
/* mk_suggest, mk_text_kind and mk_read_text_file are public (myoknot.h): the command uses them. */

#endif
