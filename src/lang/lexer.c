/*
 * lexer.c -- model-language tokens.
 *
 * Comments run from '#' to the end of the line.  A unit is everything between '[' and ']'
 * and is handed to the units module whole, because unit notation ("s-1", "mL/100g/min")
 * follows other rules than expressions do.  Newlines are blanks: statements are told apart
 * by their leading keyword.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "lang/ast.h"

void mk_lexer_init(mk_lexer *lx, const char *src)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->line = 1;
    lx->col = 1;
    if (!strncmp(src, "\xEF\xBB\xBF", 3)) lx->pos = 3; /* a UTF-8 byte-order mark is no character */
}

static char peek(const mk_lexer *lx, size_t ahead) { return lx->src[lx->pos + ahead]; }

static void advance(mk_lexer *lx)
{
    if (lx->src[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else if (((unsigned char)lx->src[lx->pos] & 0xC0) != 0x80) {
        lx->col++; /* columns count characters, not UTF-8 continuation bytes */
    }
    lx->pos++;
}

/* Control characters are refused everywhere but as blanks (tab, and CR only before LF):
 * text of a model ends up in generated C, where a lone CR ends a line (and so a line splice
 * or a comment) although it ends none here. */
static int is_control(const mk_lexer *lx, size_t ahead)
{
    unsigned char c = (unsigned char)peek(lx, ahead);
    if (c == '\r') return peek(lx, ahead + 1) != '\n';
    return (c < 0x20 && c != '\t' && c != '\n' && c != 0) || c == 0x7F;
}

static void skip_space_and_comments(mk_lexer *lx)
{
    for (;;) {
        char c = peek(lx, 0);
        if (is_control(lx, 0)) {
            return; /* mk_lexer_next says what is wrong with it */
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            advance(lx);
        } else if (c == '#') {
            while (peek(lx, 0) && peek(lx, 0) != '\n' && !is_control(lx, 0)) advance(lx);
        } else {
            return;
        }
    }
}

static mk_token make(mk_lexer *lx, mk_tok kind, size_t start, int line, int col)
{
    mk_token t = {kind, lx->src + start, lx->pos - start, 0.0, line, col, start};
    return t;
}

static mk_token error(mk_lexer *lx, int line, int col, size_t start, const char *msg)
{
    snprintf(lx->msg, sizeof lx->msg, "%s", msg);
    mk_token t = {T_ERROR, lx->msg, strlen(lx->msg), 0.0, line, col, start};
    return t;
}

static mk_token control_error(mk_lexer *lx, const char *where)
{
    char msg[160];
    unsigned char c = (unsigned char)peek(lx, 0);
    if (c == '\r')
        snprintf(msg, sizeof msg, "a carriage return not followed by a line feed%s (lines end "
                 "in LF or CR LF)", where);
    else if (!*where)
        snprintf(msg, sizeof msg, "unexpected byte 0x%02X (not a character of the language)", c);
    else
        snprintf(msg, sizeof msg, "control character 0x%02X%s (only tab is allowed)", c, where);
    return error(lx, lx->line, lx->col, lx->pos, msg);
}

static mk_token lex_number(mk_lexer *lx, size_t start, int line, int col)
{
    while (isdigit((unsigned char)peek(lx, 0))) advance(lx);
    /* "1..5" is a range, not the number "1." followed by ".5" */
    if (peek(lx, 0) == '.' && peek(lx, 1) != '.') {
        advance(lx);
        while (isdigit((unsigned char)peek(lx, 0))) advance(lx);
    }
    if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
        size_t k = 1;
        if (peek(lx, 1) == '+' || peek(lx, 1) == '-') k = 2;
        if (!isdigit((unsigned char)peek(lx, k))) {
            char msg[120];
            snprintf(msg, sizeof msg, "malformed number '%.*s': the exponent has no digits",
                     (int)(lx->pos + k - start < 40 ? lx->pos + k - start : 40), lx->src + start);
            return error(lx, line, col, start, msg);
        }
        while (k--) advance(lx);
        while (isdigit((unsigned char)peek(lx, 0))) advance(lx);
    }
    if (isalpha((unsigned char)peek(lx, 0)) || peek(lx, 0) == '_')
        return error(lx, line, col, start,
                     "a number is followed by a name; write a unit in brackets, e.g. 5 [mM]");
    mk_token t = make(lx, T_NUMBER, start, line, col);
    /* strtod reads what the lexer read (at most a trailing '.' more, as in "1..5"), however
     * many digits there are */
    t.number = strtod(t.text, NULL);
    if (!isfinite(t.number)) {
        char msg[96];
        snprintf(msg, sizeof msg, "number %.*s%s is out of range (above about 1.8e308)",
                 (int)(t.len < 40 ? t.len : 40), t.text, t.len > 40 ? "..." : "");
        return error(lx, line, col, start, msg);
    }
    return t;
}

static mk_token lex_string(mk_lexer *lx, size_t start, int line, int col)
{
    advance(lx); /* opening quote */
    for (;;) {
        char c = peek(lx, 0);
        if (c == 0 || c == '\n' || (c == '\r' && peek(lx, 1) == '\n'))
            return error(lx, line, col, start,
                         "unterminated string: expected '\"' before the end of the line");
        if (is_control(lx, 0)) return control_error(lx, " in a string");
        if (c == '\\') {
            if (peek(lx, 1) != '"' && peek(lx, 1) != '\\')
                return error(lx, lx->line, lx->col, lx->pos,
                             "unknown escape in string (only \\\" and \\\\ are allowed)");
            advance(lx);
        } else if (c == '"') {
            break;
        }
        advance(lx);
    }
    advance(lx); /* closing quote */
    mk_token t = make(lx, T_STRING, start, line, col);
    t.text++;     /* without the quotes; unescaping is the parser's */
    t.len -= 2;
    return t;
}

static mk_token lex_unit(mk_lexer *lx, size_t start, int line, int col)
{
    advance(lx); /* [ */
    size_t inner = lx->pos;
    while (peek(lx, 0) != ']') {
        if (peek(lx, 0) == 0 || peek(lx, 0) == '\n' || peek(lx, 0) == '[' ||
            (peek(lx, 0) == '\r' && peek(lx, 1) == '\n'))
            return error(lx, line, col, start, "unterminated unit: expected ']'");
        if (is_control(lx, 0)) return control_error(lx, " in a unit");
        advance(lx);
    }
    mk_token t = {T_UNIT, lx->src + inner, lx->pos - inner, 0.0, line, col, start};
    advance(lx); /* ] */
    return t;
}

mk_token mk_lexer_next(mk_lexer *lx)
{
    skip_space_and_comments(lx);
    size_t start = lx->pos;
    int line = lx->line, col = lx->col;
    char c = peek(lx, 0);
    if (c == 0) return make(lx, T_EOF, start, line, col);
    if (is_control(lx, 0)) return control_error(lx, "");
    if (isalpha((unsigned char)c) || c == '_') {
        while (isalnum((unsigned char)peek(lx, 0)) || peek(lx, 0) == '_') advance(lx);
        if (lx->pos - start > MK_MAX_NAME_LEN) { /* refused here, never cut short later */
            char msg[128];
            snprintf(msg, sizeof msg, "name '%.24s...' is too long (%zu characters; at most %d)",
                     lx->src + start, lx->pos - start, MK_MAX_NAME_LEN);
            return error(lx, line, col, start, msg);
        }
        return make(lx, T_IDENT, start, line, col);
    }
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)peek(lx, 1))))
        return lex_number(lx, start, line, col);
    if (c == '"') return lex_string(lx, start, line, col);
    if (c == '[') return lex_unit(lx, start, line, col);

    mk_tok kind;
    size_t width = 1;
    char d = peek(lx, 1);
    switch (c) {
    case '(': kind = T_LPAREN; break;
    case ')': kind = T_RPAREN; break;
    case '{': kind = T_LBRACE; break;
    case '}': kind = T_RBRACE; break;
    case ',': kind = T_COMMA; break;
    case ';': kind = T_SEMI; break;
    case '+': kind = T_PLUS; break;
    case '-': kind = T_MINUS; break;
    case '*': kind = T_STAR; break;
    case '/': kind = T_SLASH; break;
    case '^': kind = T_CARET; break;
    case '.':
        if (d == '.') { kind = T_DOTDOT; width = 2; } else kind = T_DOT;
        break;
    case '<':
        if (d == '=') { kind = T_LE; width = 2; } else kind = T_LT;
        break;
    case '>':
        if (d == '=') { kind = T_GE; width = 2; } else kind = T_GT;
        break;
    case '=':
        if (d == '=') { kind = T_EQ; width = 2; } else kind = T_ASSIGN;
        break;
    case '!':
        if (d == '=') { kind = T_NE; width = 2; break; }
        return error(lx, line, col, start, "unexpected '!' (write 'not' for negation, '!=' for inequality)");
    default: {
        char msg[128];
        unsigned char u = (unsigned char)c;
        /* a well-formed UTF-8 sequence is shown as the character, anything else as bytes */
        size_t n = u >= 0xF0 && u < 0xF5 ? 4 : u >= 0xE0 ? 3 : u >= 0xC2 && u < 0xE0 ? 2 : 0;
        for (size_t k = 1; k < n; k++)
            if (((unsigned char)peek(lx, k) & 0xC0) != 0x80) n = 0;
        if (n)
            snprintf(msg, sizeof msg, "unexpected non-ASCII character '%.*s' (names and "
                     "operators are ASCII; units go in brackets)", (int)n, lx->src + start);
        else if (u >= 0x80 || u < 0x20 || u == 0x7F)
            snprintf(msg, sizeof msg, "unexpected byte 0x%02X (not a character of the language)",
                     u);
        else
            snprintf(msg, sizeof msg, "unexpected character '%c'", c);
        return error(lx, line, col, start, msg);
    }
    }
    while (width--) advance(lx);
    return make(lx, kind, start, line, col);
}

const char *mk_tok_name(mk_tok kind)
{
    switch (kind) {
    case T_EOF: return "end of file";
    case T_IDENT: return "a name";
    case T_NUMBER: return "a number";
    case T_STRING: return "a string";
    case T_UNIT: return "a unit in brackets";
    case T_LPAREN: return "'('";
    case T_RPAREN: return "')'";
    case T_LBRACE: return "'{'";
    case T_RBRACE: return "'}'";
    case T_COMMA: return "','";
    case T_SEMI: return "';'";
    case T_DOT: return "'.'";
    case T_DOTDOT: return "'..'";
    case T_ASSIGN: return "'='";
    case T_PLUS: return "'+'";
    case T_MINUS: return "'-'";
    case T_STAR: return "'*'";
    case T_SLASH: return "'/'";
    case T_CARET: return "'^'";
    case T_LT: return "'<'";
    case T_LE: return "'<='";
    case T_GT: return "'>'";
    case T_GE: return "'>='";
    case T_EQ: return "'=='";
    case T_NE: return "'!='";
    case T_ERROR: return "an invalid token";
    }
    return "?";
}
