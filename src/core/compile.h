/*
 * compile.h -- the cache of compiled user models (modelcache.c), for mk_model_compile.
 *
 * Compiling a user's model takes about a second of `cc`; the same model compiled with the
 * same compiler and flags gives the same object, so it is kept in the user's cache folder
 * ($MYOKNOT_CACHE, else $XDG_CACHE_HOME/myoknot, else ~/.cache/myoknot) under a key, the
 * SHA-256 of everything that goes into the object: myoknot's version and model ABI, the
 * compiler command, the model flags, the ABI header and the generated C (which carries the
 * model's hash).  A changed model, compiler, flag or version is a different key.
 *
 * The folder may be written by anything that runs as the user, so an entry is checked before
 * it is used, and one that fails any check is deleted and the model compiled again:
 *   - the folder is a real directory (not a link) owned by the user, writable by no one else;
 *   - the entry is a regular file (not a link) owned by the user, writable by no one else, at
 *     most MK_MODEL_CACHE_MAX_OBJECT bytes;
 *   - its header names this format, this exact key (an entry copied or renamed from another
 *     key is foreign) and the payload's size and SHA-256, and the payload matches them
 *     (a truncated or corrupted file).
 * Only then is the payload copied into the private build folder and loaded, so a file changed
 * after the check is never the one loaded.  Entries are written whole (mk_file: O_EXCL
 * temporary, renamed into place, mode 0600), so concurrent runs each see an old entry, a
 * complete new one or none.  The folder is kept under MK_MODEL_CACHE_MAX_TOTAL bytes by
 * deleting the least recently used entries.  The cache never makes a run fail: any problem
 * with it means compiling as if it were not there.
 */
#ifndef MK_CORE_COMPILE_H
#define MK_CORE_COMPILE_H

#include <stddef.h>

#define MK_MODEL_CACHE_MAX_OBJECT (64L << 20)
#define MK_MODEL_CACHE_MAX_TOTAL (256L << 20)

/* The user's cache folder, created (0700) if missing: 1 and the path in buf, or 0 when
 * caching is off (MYOKNOT_CACHE=off) or no folder is usable. */
int mk_model_cache_default(char *buf, size_t size);
/* The 64-hex-digit key of a generated model compiled with cc and flags. */
void mk_model_cache_key(const char *code, size_t len, const char *cc, const char *flags, char key[65]);
/* A checked entry's object copied to path_so: 1; else 0 (a bad entry is deleted). */
int mk_model_cache_get(const char *dir, const char *key, const char *path_so);
/* Store the object at path_so under key, then trim the folder; failures are ignored. */
void mk_model_cache_put(const char *dir, const char *key, const char *path_so);

#endif
