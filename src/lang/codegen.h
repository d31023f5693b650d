/*
 * codegen.h -- what codegen.c shares with the Jacobian's generator (jacgen.c), internal to
 * src/lang: the same spelling of names, numbers and expressions in both functions.
 */
#ifndef MK_LANG_CODEGEN_H
#define MK_LANG_CODEGEN_H

#include <stddef.h>

#include "lang/ast.h"

void mk_cg_cname(const mk_decl *d, char *buf, size_t size);     /* component__local */
void mk_cg_fmt_double(char *buf, size_t size, double v);        /* shortest exact text */
void mk_cg_emit(mk_buf *b, const mk_expr *e);                   /* an expression as C */
void mk_cg_emit_factor(mk_buf *b, const mk_expr *e);            /* the same, parenthesised if needed */
void mk_cg_emit_load(mk_buf *b, const mk_decl *d, const char *array);
void mk_cg_put_comment(mk_buf *b, const char *s);

/* jacgen.c: the helpers, the sparsity pattern (k_jac_colptr, k_jac_rows) and NAME_jac, the
 * analytic Jacobian of the right-hand side; *nnz its number of structural nonzeros. */
mk_status mk_jac_generate(const mk_model *m, mk_buf *b, int *nnz, mk_error *err);

#endif
