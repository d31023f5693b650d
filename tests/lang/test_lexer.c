/* test_lexer.c -- tokens, positions and lexical errors of the model language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lang/ast.h"

static void expect_tok(mk_lexer *lx, mk_tok kind, const char *text, int line, int col)
{
    mk_token t = mk_lexer_next(lx);
    if (t.kind != kind || (text && (t.len != strlen(text) || memcmp(t.text, text, t.len))) ||
        t.line != line || t.col != col)
        print_error("got %s '%.*s' at %d:%d; want %s '%s' at %d:%d\n", mk_tok_name(t.kind),
                    (int)t.len, t.text, t.line, t.col, mk_tok_name(kind), text ? text : "", line, col);
    assert_int_equal(t.kind, kind);
    assert_int_equal(t.line, line);
    assert_int_equal(t.col, col);
    if (text) {
        assert_int_equal(t.len, strlen(text));
        assert_memory_equal(t.text, text, t.len);
    }
}

static void tokens_and_positions(void **state)
{
    (void)state;
    mk_lexer lx;
    mk_lexer_init(&lx, "param k = 0.5 [1/s] # a comment\n  d(x)/dt >= -1.5e-3 .. \"s\\\"q\"");
    expect_tok(&lx, T_IDENT, "param", 1, 1);
    expect_tok(&lx, T_IDENT, "k", 1, 7);
    expect_tok(&lx, T_ASSIGN, "=", 1, 9);
    expect_tok(&lx, T_NUMBER, "0.5", 1, 11);
    expect_tok(&lx, T_UNIT, "1/s", 1, 15);
    expect_tok(&lx, T_IDENT, "d", 2, 3);
    expect_tok(&lx, T_LPAREN, "(", 2, 4);
    expect_tok(&lx, T_IDENT, "x", 2, 5);
    expect_tok(&lx, T_RPAREN, ")", 2, 6);
    expect_tok(&lx, T_SLASH, "/", 2, 7);
    expect_tok(&lx, T_IDENT, "dt", 2, 8);
    expect_tok(&lx, T_GE, ">=", 2, 11);
    expect_tok(&lx, T_MINUS, "-", 2, 14);
    expect_tok(&lx, T_NUMBER, "1.5e-3", 2, 15);
    expect_tok(&lx, T_DOTDOT, "..", 2, 22);
    expect_tok(&lx, T_STRING, "s\\\"q", 2, 25);
    expect_tok(&lx, T_EOF, NULL, 2, 31);
}

static void number_values(void **state)
{
    (void)state;
    mk_lexer lx;
    mk_lexer_init(&lx, "1..5 .25 3e2 7");
    mk_token t = mk_lexer_next(&lx);
    assert_int_equal(t.kind, T_NUMBER);
    assert_true(t.number == 1.0); /* "1..5" is 1, '..', 5: a range, not 1. and .5 */
    assert_int_equal(mk_lexer_next(&lx).kind, T_DOTDOT);
    assert_true(mk_lexer_next(&lx).number == 5.0);
    assert_true(mk_lexer_next(&lx).number == 0.25);
    assert_true(mk_lexer_next(&lx).number == 300.0);
    assert_true(mk_lexer_next(&lx).number == 7.0);
}

static void expect_error(const char *src, int col, const char *fragment)
{
    mk_lexer lx;
    mk_lexer_init(&lx, src);
    mk_token t;
    do t = mk_lexer_next(&lx);
    while (t.kind != T_ERROR && t.kind != T_EOF);
    if (t.kind != T_ERROR || !strstr(t.text, fragment))
        print_error("'%s': got %s '%.*s'\n", src, mk_tok_name(t.kind), (int)t.len, t.text);
    assert_int_equal(t.kind, T_ERROR);
    assert_int_equal(t.col, col);
    assert_non_null(strstr(t.text, fragment));
}

static void lexical_errors(void **state)
{
    (void)state;
    expect_error("x = \"open", 5, "unterminated string");
    expect_error("x = \"a\\nb\"", 7, "unknown escape");
    expect_error("x [mM", 3, "unterminated unit");
    expect_error("x [m\nM]", 3, "unterminated unit");
    expect_error("1e+", 1, "exponent has no digits");
    expect_error("5mM", 1, "write a unit in brackets");
    expect_error("a ! b", 3, "write 'not'");
    expect_error("a @ b", 3, "unexpected character '@'");
    expect_error("a \xc2\xb5 b", 3, "non-ASCII");
    expect_error("1e999", 1, "out of range");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tokens_and_positions),
        cmocka_unit_test(number_values),
        cmocka_unit_test(lexical_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
