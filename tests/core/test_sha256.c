/* test_sha256.c -- SHA-256 against the FIPS 180-4 examples and a million 'a's, fed in
 * pieces of every size from 1 to 130 bytes (the block boundary and the padding's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/sha256.h"

static void digest_of(const char *text, size_t piece, char out[65])
{
    mk_sha256 s;
    mk_sha256_init(&s);
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += piece) mk_sha256_update(&s, text + i, n - i < piece ? n - i : piece);
    mk_sha256_hex(&s, out);
}

static void test_fips_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    char got[65];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        for (size_t piece = 1; piece <= 130; piece++) {
            digest_of(v[i][0], piece, got);
            assert_string_equal(got, v[i][1]);
        }
}

static void test_million_a(void **state)
{
    (void)state;
    char a[1000], got[65];
    memset(a, 'a', sizeof a);
    mk_sha256 s;
    mk_sha256_init(&s);
    for (int i = 0; i < 1000; i++) mk_sha256_update(&s, a, sizeof a);
    mk_sha256_hex(&s, got);
    assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_vectors),
        cmocka_unit_test(test_million_a),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
