/* ytree.c -- YAML (libyaml events) to a positioned tree; see ytree.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/text.h"
#include "io/ytree.h"

void mk_yfree(mk_ynode *n)
{
    if (!n) return;
    free(n->text);
    for (int i = 0; i < n->n; i++) {
        if (n->kind == MK_Y_MAP) {
            free(n->pairs[i].key);
            mk_yfree(n->pairs[i].val);
        } else if (n->kind == MK_Y_SEQ) {
            mk_yfree(n->items[i]);
        }
    }
    free(n->pairs);
    free(n->items);
    free(n);
}

typedef struct yp {
    yaml_parser_t p;
    const char *file;
    const mk_yformat *fmt;
    mk_error *err;
} yp;

static mk_status nomem(mk_error *err) { return mk_fail(err, MK_ERR_NOMEM, "out of memory"); }

static mk_status yaml_error(yp *y)
{
    yaml_parser_t *p = &y->p;
    if (p->error == YAML_MEMORY_ERROR) return nomem(y->err);
    if (p->error == YAML_READER_ERROR)
        return mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, (int)p->mark.line + 1,
                          (int)p->mark.column + 1, "invalid YAML: %s",
                          p->problem ? p->problem : "cannot read the text");
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (p->context)
        return mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, line, col,
                          "invalid YAML: %s (%s at line %d:%d)",
                          p->problem ? p->problem : "syntax error", p->context,
                          (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    return mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, line, col, "invalid YAML: %s",
                      p->problem ? p->problem : "syntax error");
}

static mk_status next(yp *y, yaml_event_t *ev)
{
    return yaml_parser_parse(&y->p, ev) ? MK_OK : yaml_error(y);
}

static const char *event_what(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_MAPPING_START_EVENT: return "a mapping";
    case YAML_SEQUENCE_START_EVENT: return "a list";
    case YAML_ALIAS_EVENT: return "an alias";
    default: return "a value";
    }
}

static mk_status parse_node(yp *y, yaml_event_t *ev, int depth, mk_ynode **out);

/* A scalar's text into n (a NUL inside a quoted scalar is refused). */
static mk_status parse_scalar(yp *y, const yaml_event_t *ev, mk_ynode *n)
{
    n->kind = MK_Y_SCALAR;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    size_t len = ev->data.scalar.length;
    n->text = mk_malloc(len + 1);
    if (!n->text) return nomem(y->err);
    memcpy(n->text, ev->data.scalar.value, len);
    n->text[len] = 0;
    if (strlen(n->text) != len) /* "\0" in a quoted scalar */
        return mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, n->line, n->col, "a value contains a NUL character");
    return MK_OK;
}

/* Room for one more child of n (pairs of a mapping, items of a list). */
static mk_status grow_children(yp *y, mk_ynode *n, int *cap)
{
    if (n->n < *cap) return MK_OK;
    int c = *cap ? 2 * *cap : 8;
    void *p = n->kind == MK_Y_MAP ? mk_realloc(n->pairs, (size_t)c * sizeof *n->pairs)
                                  : mk_realloc(n->items, (size_t)c * sizeof *n->items);
    if (!p) return nomem(y->err);
    if (n->kind == MK_Y_MAP) n->pairs = p;
    else n->items = p;
    *cap = c;
    return MK_OK;
}

/* One key (the fetched event e, deleted here) and its value, appended to the mapping n. */
static mk_status parse_pair(yp *y, mk_ynode *n, yaml_event_t *e, int depth)
{
    mk_ypair *pr = &n->pairs[n->n];
    memset(pr, 0, sizeof *pr);
    pr->line = (int)e->start_mark.line + 1;
    pr->col = (int)e->start_mark.column + 1;
    if (e->type != YAML_SCALAR_EVENT) {
        mk_status rc = mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, pr->line, pr->col, y->fmt->bad_key_msg,
                                  event_what(e));
        yaml_event_delete(e);
        return rc;
    }
    pr->key = mk_strndup((const char *)e->data.scalar.value, e->data.scalar.length);
    yaml_event_delete(e);
    n->n++;
    if (!pr->key) return nomem(y->err);
    for (int k = 0; k < n->n - 1; k++)
        if (!strcmp(n->pairs[k].key, pr->key))
            return mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, pr->line, pr->col, y->fmt->dup_key_msg, pr->key,
                              n->pairs[k].line, n->pairs[k].col);
    yaml_event_t v;
    mk_status rc = next(y, &v);
    if (rc) return rc;
    return parse_node(y, &v, depth + 1, &pr->val);
}

/* The children of the mapping or list n, up to its end event. */
static mk_status parse_children(yp *y, mk_ynode *n, int depth)
{
    int cap = 0;
    for (;;) {
        yaml_event_t e;
        mk_status rc = next(y, &e);
        if (rc) return rc;
        if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
            n->end = e.end_mark.index;
            yaml_event_delete(&e);
            return MK_OK;
        }
        if ((rc = grow_children(y, n, &cap))) {
            yaml_event_delete(&e);
            return rc;
        }
        if (n->kind == MK_Y_MAP) {
            rc = parse_pair(y, n, &e, depth);
        } else {
            n->items[n->n] = NULL;
            rc = parse_node(y, &e, depth + 1, &n->items[n->n]);
            n->n++;
        }
        if (rc) return rc;
    }
}

/* ev has been fetched; it is deleted here. */
static mk_status parse_node(yp *y, yaml_event_t *ev, int depth, mk_ynode **out)
{
    *out = NULL;
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    mk_status rc = MK_OK;
    if (depth > y->fmt->max_depth)
        rc = mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, line, col, "nesting deeper than %d levels",
                        y->fmt->max_depth);
    else if (ev->type == YAML_ALIAS_EVENT)
        rc = mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, line, col, y->fmt->alias_msg,
                        (const char *)ev->data.alias.anchor);
    if (rc) {
        yaml_event_delete(ev);
        return rc;
    }
    mk_ynode *n = mk_calloc(1, sizeof *n);
    if (!n) {
        yaml_event_delete(ev);
        return nomem(y->err);
    }
    n->line = line;
    n->col = col;
    n->start = ev->start_mark.index;
    n->end = ev->end_mark.index;
    if (ev->type == YAML_SCALAR_EVENT) {
        rc = parse_scalar(y, ev, n);
        yaml_event_delete(ev);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        n->kind = ev->type == YAML_MAPPING_START_EVENT ? MK_Y_MAP : MK_Y_SEQ;
        yaml_event_delete(ev);
        rc = parse_children(y, n, depth);
    } else {
        rc = mk_fail_at(y->err, MK_ERR_SYNTAX, y->file, line, col, "unexpected YAML event");
        yaml_event_delete(ev);
    }
    if (rc) {
        mk_yfree(n);
        return rc;
    }
    *out = n;
    return MK_OK;
}

mk_status mk_yparse(const char *file, const char *text, const mk_yformat *fmt,
                    mk_ynode **root, mk_error *err)
{
    yp y = {.file = file, .fmt = fmt, .err = err};
    *root = NULL;
    if (!yaml_parser_initialize(&y.p)) return nomem(err);
    yaml_parser_set_input_string(&y.p, (const unsigned char *)text, strlen(text));
    yaml_parser_set_encoding(&y.p, YAML_UTF8_ENCODING);
    mk_status rc = MK_OK;
    mk_ynode *doc = NULL;
    for (;;) {
        yaml_event_t ev;
        if ((rc = next(&y, &ev))) break;
        yaml_event_type_t t = ev.type;
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_END_EVENT ||
            t == YAML_DOCUMENT_START_EVENT) {
            yaml_event_delete(&ev);
            if (t == YAML_DOCUMENT_START_EVENT && doc) {
                rc = mk_fail_at(err, MK_ERR_SYNTAX, file, line, col,
                                "expected one YAML document, found a second ('---')");
                break;
            }
            continue;
        }
        /* the document's root node */
        if ((rc = parse_node(&y, &ev, 0, &doc))) break;
    }
    yaml_parser_delete(&y.p);
    if (rc) {
        mk_yfree(doc);
        return rc;
    }
    if (!doc || (doc->kind == MK_Y_SCALAR && !doc->text[0])) {
        mk_yfree(doc);
        return mk_fail_at(err, MK_ERR_SYNTAX, file, 1, 1, "%s", fmt->empty_msg);
    }
    if (doc->kind != MK_Y_MAP) {
        mk_status r = mk_fail_at(err, MK_ERR_SYNTAX, file, doc->line, doc->col, fmt->top_msg,
                                 mk_ykind_name(doc));
        mk_yfree(doc);
        return r;
    }
    *root = doc;
    return MK_OK;
}

const mk_ypair *mk_yfind(const mk_ynode *map, const char *key)
{
    if (!map || map->kind != MK_Y_MAP) return NULL;
    for (int i = 0; i < map->n; i++)
        if (!strcmp(map->pairs[i].key, key)) return &map->pairs[i];
    return NULL;
}

const char *mk_ykind_name(const mk_ynode *n)
{
    return n->kind == MK_Y_MAP ? "a mapping" : n->kind == MK_Y_SEQ ? "a list" : "a value";
}

mk_status mk_ycheck_keys(const char *file, const mk_yformat *fmt, const mk_ynode *map,
                         const char *const *allowed, const char *where, mk_error *err)
{
    for (int i = 0; i < map->n; i++) {
        const mk_ypair *p = &map->pairs[i];
        int n = 0, ok = 0;
        for (; allowed[n]; n++)
            if (!strcmp(allowed[n], p->key)) ok = 1;
        if (ok) continue;
        const char *hint = mk_suggest(p->key, allowed, n);
        if (hint)
            return mk_fail_at(err, fmt->unknown_key_code, file, p->line, p->col,
                              "unknown key '%s' %s (did you mean '%s'?)", p->key, where, hint);
        if (!fmt->list_allowed_keys)
            return mk_fail_at(err, fmt->unknown_key_code, file, p->line, p->col,
                              "unknown key '%s' %s", p->key, where);
        char list[512] = "";
        size_t used = 0;
        for (int j = 0; j < n && used < sizeof list; j++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                                     allowed[j]);
        return mk_fail_at(err, fmt->unknown_key_code, file, p->line, p->col,
                          "unknown key '%s' %s (expected one of: %s)", p->key, where, list);
    }
    return MK_OK;
}
