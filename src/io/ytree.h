/*
 * ytree.h -- YAML text (libyaml) to a tree whose every node keeps its 1-based line:column:
 * one document whose root is a mapping, no aliases, no duplicate keys, keys that are
 * scalars.  Shared by scenario files (src/protocol) and validation files (src/validate); the
 * few messages they word differently come from their mk_yformat.
 */
#ifndef MK_IO_YTREE_H
#define MK_IO_YTREE_H

#include <stddef.h>

#include "myoknot.h"

typedef enum mk_ykind { MK_Y_SCALAR, MK_Y_MAP, MK_Y_SEQ } mk_ykind;

typedef struct mk_ynode mk_ynode;

typedef struct mk_ypair {
    char *key;
    int line, col;     /* of the key, 1-based */
    mk_ynode *val;
} mk_ypair;

struct mk_ynode {
    mk_ykind kind;
    int line, col;     /* 1-based */
    size_t start, end; /* byte offsets of the node in the text, end exclusive */
    char *text;        /* MK_Y_SCALAR: the value, never NULL */
    int plain;         /* MK_Y_SCALAR written without quotes */
    mk_ypair *pairs;   /* MK_Y_MAP */
    mk_ynode **items;  /* MK_Y_SEQ */
    int n;             /* pairs or items */
};

/* How one file format words what the tree rejects.  The *_msg members are printf formats
 * given the arguments listed; a format may leave out trailing ones. */
typedef struct mk_yformat {
    int max_depth;           /* "nesting deeper than %d levels" beyond it */
    const char *alias_msg;   /* an alias: the anchor's name (%s) */
    const char *dup_key_msg; /* a key given twice: the key (%s), the first's line and column (%d) */
    const char *bad_key_msg; /* a mapping or list where a key belongs: "a mapping", "a list" (%s) */
    const char *empty_msg;   /* no document, or an empty one: no arguments */
    const char *top_msg;     /* a root that is no mapping: "a list" or "a value" (%s) */
    mk_status unknown_key_code; /* mk_ycheck_keys fails with this code */
    int list_allowed_keys;   /* mk_ycheck_keys without a hint: "(expected one of: ...)" */
} mk_yformat;

/* Parse text (NUL-ended); messages name file and the line:column.  *root is a mapping. */
mk_status mk_yparse(const char *file, const char *text, const mk_yformat *fmt,
                    mk_ynode **root, mk_error *err);
void mk_yfree(mk_ynode *n);

/* The pair of map (NULL if map is no mapping) with this key, or NULL. */
const mk_ypair *mk_yfind(const mk_ynode *map, const char *key);
/* "a mapping", "a list" or "a value" */
const char *mk_ykind_name(const mk_ynode *n);
/* Fails at the first key of map not in allowed (NULL-ended): "unknown key 'k' <where> (did
 * you mean 'x'?)", with the closest allowed key by mk_suggest, else per fmt. */
mk_status mk_ycheck_keys(const char *file, const mk_yformat *fmt, const mk_ynode *map,
                         const char *const *allowed, const char *where, mk_error *err);

#endif
