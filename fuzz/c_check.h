/*
 * c_check.h -- a small C tokeniser that checks generated model code for text that escaped
 * from where the generator put it (issue 7: no text of a model becomes code).
 *
 * mk_c_check_text: lexical rules every generated file keeps.
 *   - outside comments and string literals: printable ASCII and newlines only, no backslash
 *     (no line splice), no "??" (no trigraph), no character literal, '#' only at the start
 *     of a line (the generator's own #include lines);
 *   - in a comment: printable ASCII and newlines, no backslash, no '?' (put_comment);
 *   - in a string literal: printable ASCII other than '?', a backslash only in the escapes
 *     \" \\ \? \n \t or three octal digits (put_string).
 * mk_c_skeleton: the token stream with every comment dropped and every string literal
 *   reduced to "S".  Generating the same model with all its texts (docs, sources, units, the
 *   source text, the file name) replaced must give the same skeleton: then every byte that
 *   came from those texts lies inside a string literal or a comment.
 *
 * Shared by fuzz/fuzz_model.c and tests/lang/test_fuzz_corpus.c.
 */
#ifndef MK_FUZZ_C_CHECK_H
#define MK_FUZZ_C_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "myoknot.h"

static inline int mk_c_printable(unsigned char c) { return c >= 0x20 && c <= 0x7E; }

/* NULL if the text keeps the rules, else what is wrong (in why, size bytes). */
static inline const char *mk_c_check_text(const char *code, char *why, size_t size)
{
    int line = 1, at_line_start = 1;
    const unsigned char *p = (const unsigned char *)code;
#define MK_C_FAIL(...) return (snprintf(why, size, __VA_ARGS__), why)
    while (*p) {
        if (*p == '\n') {
            line++;
            at_line_start = 1;
            p++;
            continue;
        }
        if (p[0] == '/' && p[1] == '*') {
            for (p += 2; !(p[0] == '*' && p[1] == '/'); p++) {
                if (!*p) MK_C_FAIL("line %d: unterminated comment", line);
                if (*p == '\n') line++;
                else if (!mk_c_printable(*p) || *p == '\\' || *p == '?')
                    MK_C_FAIL("line %d: byte 0x%02X in a comment", line, *p);
            }
            p += 2;
            at_line_start = 0;
            continue;
        }
        if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (!mk_c_printable(*p) || *p == '?')
                    MK_C_FAIL("line %d: byte 0x%02X in a string literal", line, *p);
                if (*p != '\\') continue;
                p++;
                if (*p >= '0' && *p <= '7') {
                    if (!(p[1] >= '0' && p[1] <= '7' && p[2] >= '0' && p[2] <= '7'))
                        MK_C_FAIL("line %d: octal escape without three digits", line);
                    p += 2;
                } else if (!*p || !strchr("\"\\?nt", *p)) {
                    MK_C_FAIL("line %d: escape \\%c in a string literal", line, *p ? *p : '0');
                }
            }
            p++;
            at_line_start = 0;
            continue;
        }
        if (!mk_c_printable(*p)) MK_C_FAIL("line %d: byte 0x%02X in code", line, *p);
        if (*p == '\\') MK_C_FAIL("line %d: backslash in code", line);
        if (*p == '\'') MK_C_FAIL("line %d: character literal in code", line);
        if (p[0] == '?' && p[1] == '?') MK_C_FAIL("line %d: \"?\?\" in code", line);
        if (p[0] == '/' && p[1] == '/') MK_C_FAIL("line %d: line comment in code", line);
        if (*p == '#' && !at_line_start) MK_C_FAIL("line %d: '#' inside a line", line);
        if (*p != ' ') at_line_start = 0;
        p++;
    }
#undef MK_C_FAIL
    return NULL;
}

/* The skeleton (see above) as a malloc'd string; NULL if out of memory.  Call only on text
 * that passed mk_c_check_text. */
static inline char *mk_c_skeleton(const char *code)
{
    size_t n = strlen(code);
    char *out = malloc(n + 2), *o = out;
    if (!out) return NULL;
    const char *p = code;
    int blank = 0, after_string = 0; /* adjacent literals are one: "a" "b" is S */
    while (*p) {
        if (p[0] == '/' && p[1] == '*') {
            p = strstr(p + 2, "*/");
            p = p ? p + 2 : code + n;
            blank = 1;
        } else if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (*p) p++;
            if (!after_string) {
                if (blank && o > out) *o++ = ' ';
                *o++ = 'S';
            }
            blank = 0;
            after_string = 1;
        } else if (*p == ' ' || *p == '\n' || *p == '\t') {
            blank = 1;
            p++;
        } else {
            if (blank && o > out) *o++ = ' ';
            *o++ = *p++;
            blank = 0;
            after_string = 0;
        }
    }
    *o = 0;
    return out;
}

/* Both checks on code generated from m: NULL if it keeps them, else why.  The model's texts
 * are swapped for others while its code is generated again, and restored. */
static inline const char *mk_c_check_model(mk_model *m, const char *code, char *why, size_t size)
{
    if (mk_c_check_text(code, why, size)) return why;
    const char *file = m->file, *source = m->source, *doc = m->doc;
    int n = m->count[0] + m->count[1] + m->count[2] + m->count[3], k = 0;
    const char **saved = malloc(3 * (size_t)(n ? n : 1) * sizeof *saved);
    if (!saved) return NULL;
    m->file = "other.myo";
    m->source = "other text";
    m->doc = "other doc";
    for (int kind = 0; kind < 4; kind++)
        for (int i = 0; i < m->count[kind]; i++) {
            mk_decl *d = m->by_kind[kind][i];
            saved[k++] = d->doc;
            saved[k++] = d->source;
            saved[k++] = d->unit_text;
            d->doc = d->doc ? "other doc" : NULL;
            d->source = d->source ? "other source" : NULL;
            d->unit_text = "other unit";
        }
    mk_buf other;
    mk_buf_init(&other);
    mk_error err;
    mk_status rc = mk_model_generate_c(m, &other, &err);
    k = 0;
    m->file = file;
    m->source = source;
    m->doc = doc;
    for (int kind = 0; kind < 4; kind++)
        for (int i = 0; i < m->count[kind]; i++) {
            mk_decl *d = m->by_kind[kind][i];
            d->doc = saved[k++];
            d->source = saved[k++];
            d->unit_text = saved[k++];
        }
    free(saved);
    const char *res = NULL;
    char *s1 = rc == MK_OK ? mk_c_skeleton(code) : NULL;
    char *s2 = rc == MK_OK ? mk_c_skeleton(other.data) : NULL;
    if (s1 && s2 && strcmp(s1, s2)) {
        size_t at = 0;
        while (s1[at] == s2[at]) at++;
        snprintf(why, size, "model text outside string literals and comments: the code "
                 "differs at '%.60s' (other texts: '%.60s')", s1 + at, s2 + at);
        res = why;
    }
    free(s1);
    free(s2);
    mk_buf_free(&other);
    return res;
}

#endif
