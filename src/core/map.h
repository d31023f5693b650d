/* map.h -- a small string-keyed hash map (open addressing, linear probing) for looking names
 * up in O(1), so that checking a model stays linear in its number of names.  Keys are not
 * copied: they must outlive the map (in the model, they live in its arena).  A zeroed
 * mk_map is an empty map; memory comes from mk_malloc and goes with mk_map_free. */
#ifndef MK_CORE_MAP_H
#define MK_CORE_MAP_H

#include <stddef.h>

typedef struct mk_map_slot {
    const char *key; /* NULL: empty */
    size_t len;
    size_t hash;
    void *val;
} mk_map_slot;

typedef struct mk_map {
    mk_map_slot *slots;
    size_t cap;      /* a power of two, or 0 */
    size_t n;
} mk_map;

void mk_map_free(mk_map *m);
/* The value of the key of len bytes, or NULL. */
void *mk_map_get(const mk_map *m, const char *key, size_t len);
/* Add key -> val (val non-NULL).  If the key is there already, nothing changes and *old (if
 * old is non-NULL) receives its value; else *old is NULL.  0, or -1 out of memory. */
int mk_map_put(mk_map *m, const char *key, size_t len, void *val, void **old);

#endif
