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
/* The closest of n candidates (NULL entries skipped; n < 0: the list ends at a NULL) within
 * mk_hint_limit, or NULL. */
const char *mk_suggest(const char *name, const char *const *cands, int n);

/* What kind of text file mk_read_text_file reads, for its limit and messages. */
typedef struct mk_text_kind {
    const char *what;     /* "a scenario": "larger than the limit of N bytes for a scenario" */
    size_t max_len;       /* longest text accepted, in bytes; 0: no limit */
    const char *nul_msg;  /* a NUL byte in the file; NULL: "not a text file (contains NUL bytes)" */
    const char *read_msg; /* a read error; NULL: "cannot read" */
} mk_text_kind;

/* Read a whole text file into *out (NUL-ended; free() it) and its length into *len (len may
 * be NULL).  kind may be NULL (no limit, the default messages).  Every file myoknot reads as
 * input comes through here: it is opened without blocking and must be a regular file, so a
 * FIFO, a device or a folder is refused at once instead of hanging or being read forever.
 * Fails naming the path: MK_ERR_IO "cannot open: <why>", not a regular file, a read error or
 * a text over the limit (checked before reading), MK_ERR_SYNTAX a NUL byte. */
mk_status mk_read_text_file(const char *path, const mk_text_kind *kind, char **out, size_t *len,
                            mk_error *err);

#endif
