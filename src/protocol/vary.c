/* vary.c -- one treatment setting of a scenario changed in its text (vary.h). */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/limits.h"
#include "io/ytree.h"
#include "myoknot/compare.h"

/* The tree only locates the values: the scenario's own loader checks the result. */
static const mk_yformat k_format = {
    .max_depth = MK_MAX_SCENARIO_DEPTH,
    .alias_msg = "YAML aliases (*%s) are not supported in scenarios: write the value out",
    .dup_key_msg = "duplicate key '%s' (first given at line %d:%d)",
    .bad_key_msg = "expected a key (a name), found %s",
    .empty_msg = "the scenario is empty",
    .top_msg = "expected a mapping of keys at the top level, found %s",
    .unknown_key_code = MK_ERR_NAME,
};

/* The events of that type in the timeline; NULL-safe. */
static int is_event(const mk_ynode *ev, const char *event)
{
    const mk_ypair *p = mk_yfind(ev, "event");
    return p && p->val->kind == MK_Y_SCALAR && !strcmp(p->val->text, event);
}

static const mk_ynode *timeline(const mk_ynode *root)
{
    const mk_ypair *t = mk_yfind(root, "timeline");
    return t && t->val->kind == MK_Y_SEQ ? t->val : NULL;
}

int mk_scenario_count_events(const char *file, const char *text, const char *event, mk_error *err)
{
    mk_ynode *root = NULL;
    if (mk_yparse(file, text, &k_format, &root, err)) return -1;
    const mk_ynode *tl = timeline(root);
    int n = 0;
    for (int i = 0; tl && i < tl->n; i++) n += is_event(tl->items[i], event);
    mk_yfree(root);
    return n;
}

/* libyaml counts its marks in characters: the byte offset of character index `chars` */
static size_t byte_at(const char *text, size_t chars)
{
    size_t b = 0;
    for (size_t c = 0; text[b] && c < chars; c++) {
        b++;
        while (((unsigned char)text[b] & 0xC0) == 0x80) b++; /* UTF-8 continuation bytes */
    }
    return b;
}

mk_status mk_scenario_vary_text(const char *file, const char *text, const char *event, const char *field,
                                const char *value, char **out, mk_error *err)
{
    *out = NULL;
    mk_ynode *root = NULL;
    mk_status rc = mk_yparse(file, text, &k_format, &root, err);
    if (rc) return rc;
    const mk_ynode *tl = timeline(root);
    /* the value in double quotes, '"' and '\' escaped */
    size_t vlen = 2;
    for (const char *c = value; *c; c++) vlen += 1 + (*c == '"' || *c == '\\');
    size_t cap = strlen(text) + 1, n_found = 0, n_events = 0;
    for (int i = 0; tl && i < tl->n; i++) n_events += is_event(tl->items[i], event);
    cap += (size_t)(tl ? tl->n : 0) * vlen;
    char *buf = mk_malloc(cap);
    if (!buf) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    size_t from = 0, len = 0; /* text copied up to byte `from`; buf holds len bytes */
    for (int i = 0; !rc && tl && i < tl->n; i++) {
        const mk_ynode *ev = tl->items[i];
        const mk_ypair *f = is_event(ev, event) ? mk_yfind(ev, field) : NULL;
        if (!f) continue;
        if (f->val->kind != MK_Y_SCALAR) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, file, f->val->line, f->val->col,
                            "'%s' of a '%s' event is %s, not a value that can be varied", field, event,
                            mk_ykind_name(f->val));
            break;
        }
        size_t s = byte_at(text, f->val->start), e = byte_at(text, f->val->end);
        if (s < from || e < s) {
            rc = mk_fail_at(err, MK_ERR_SYNTAX, file, f->val->line, f->val->col, "cannot locate the value of '%s'", field);
            break;
        }
        memcpy(buf + len, text + from, s - from);
        len += s - from;
        buf[len++] = '"';
        for (const char *c = value; *c; c++) {
            if (*c == '"' || *c == '\\') buf[len++] = '\\';
            buf[len++] = *c;
        }
        buf[len++] = '"';
        from = e;
        n_found++;
    }
    if (!rc && !n_found) {
        if (n_events)
            rc = mk_fail_at(err, MK_ERR_NAME, file, 0, 0,
                            "no '%s' event in the timeline sets '%s' (write it into the event to vary it)", event, field);
        else rc = mk_fail_at(err, MK_ERR_NAME, file, 0, 0, "no '%s' event in the timeline", event);
    }
    if (!rc) {
        strcpy(buf + len, text + from);
        *out = buf;
    } else {
        free(buf);
    }
    mk_yfree(root);
    return rc;
}

mk_status mk_scenario_sweep_spec(const char *file, const char *text, char **vary, int *steps, mk_error *err)
{
    *vary = NULL;
    mk_ynode *root = NULL;
    mk_status rc = mk_yparse(file, text, &k_format, &root, err);
    if (rc) return rc;
    const mk_ypair *sw = mk_yfind(root, "sweep");
    static const char *const keys[] = {"vary", "steps", NULL};
    const mk_ypair *v = NULL, *n = NULL;
    if (sw && sw->val->kind != MK_Y_MAP)
        rc = mk_fail_at(err, MK_ERR_SYNTAX, file, sw->val->line, sw->val->col,
                        "expected a mapping for 'sweep' (e.g. 'sweep: {vary: \"stretch.strain=5..20 %%\", steps: 3}'), "
                        "found %s", mk_ykind_name(sw->val));
    else if (sw && !(rc = mk_ycheck_keys(file, &k_format, sw->val, keys, "in 'sweep'", err))) {
        v = mk_yfind(sw->val, "vary");
        n = mk_yfind(sw->val, "steps");
        if (!v || v->val->kind != MK_Y_SCALAR)
            rc = mk_fail_at(err, MK_ERR_SYNTAX, file, v ? v->val->line : sw->val->line, v ? v->val->col : sw->val->col,
                            "expected 'vary: NAME=A..B UNIT' in 'sweep'");
    }
    if (!rc && n) {
        char *end;
        long k = n->val->kind == MK_Y_SCALAR ? strtol(n->val->text, &end, 10) : 0;
        if (n->val->kind != MK_Y_SCALAR || !n->val->text[0] || *end || k < 1 || k > 200)
            rc = mk_fail_at(err, MK_ERR_INVALID, file, n->val->line, n->val->col,
                            "expected a whole number of steps from 1 to 200 for 'steps' in 'sweep'");
        else *steps = (int)k;
    }
    if (!rc && v && !(*vary = mk_strdup(v->val->text))) rc = mk_fail(err, MK_ERR_NOMEM, "out of memory");
    mk_yfree(root);
    return rc;
}
