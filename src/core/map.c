/* map.c -- see map.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"

static size_t hash_of(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return (size_t)(h ^ (h >> 32));
}

void mk_map_free(mk_map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static mk_map_slot *find(const mk_map *m, const char *key, size_t len, size_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        mk_map_slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, len))) return s;
    }
}

void *mk_map_get(const mk_map *m, const char *key, size_t len)
{
    if (!m->cap) return NULL;
    mk_map_slot *s = find(m, key, len, hash_of(key, len));
    return s->key ? s->val : NULL;
}

/* Double the table (at least 16 slots), rehashing what is in it. */
static int grow(mk_map *m)
{
    size_t cap = m->cap ? 2 * m->cap : 16;
    if (cap > SIZE_MAX / sizeof(mk_map_slot)) return -1;
    mk_map bigger = {mk_calloc(cap, sizeof(mk_map_slot)), cap, m->n};
    if (!bigger.slots) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        const mk_map_slot *s = &m->slots[i];
        if (s->key) *find(&bigger, s->key, s->len, s->hash) = *s;
    }
    free(m->slots);
    *m = bigger;
    return 0;
}

int mk_map_put(mk_map *m, const char *key, size_t len, void *val, void **old)
{
    if (old) *old = NULL;
    /* at most 3/4 full, so that probes stay short and find() always meets an empty slot */
    if (4 * (m->n + 1) > 3 * m->cap && grow(m)) return -1;
    size_t h = hash_of(key, len);
    mk_map_slot *s = find(m, key, len, h);
    if (s->key) {
        if (old) *old = s->val;
        return 0;
    }
    s->key = key;
    s->len = len;
    s->hash = h;
    s->val = val;
    m->n++;
    return 0;
}
