/*
 * limits.h -- every limit on what myoknot reads, in one place.
 *
 * As SQLite does (sqliteLimit.h, "Limits In SQLite"), each bound on hostile or broken input
 * is a named constant here, and exceeding one is an error naming file:line:column and the
 * limit, never a truncation, a hang or a crash.  docs/model-language.md ("Limits") lists
 * them all in one table; a changed value is a changed line there too.  They are far above
 * what a hand-written model or scenario needs (tp_site: 159 parameters, names of at most 19
 * characters, a 30 KB file).
 */
#ifndef MK_CORE_LIMITS_H
#define MK_CORE_LIMITS_H

/* ---------------------------------------------------------------- files */

/* Bytes of a model file (or of a model text given as a string). */
#define MK_MAX_MODEL_BYTES (16 << 20)
/* Bytes of a scenario file (or text). */
#define MK_MAX_SCENARIO_BYTES (4 << 20)
/* Bytes of a validation target file. */
#define MK_MAX_VALIDATION_BYTES (1 << 20)
/* Bytes of a patient's measurements (myoknot fit --data) and of a parameter file (run --params). */
#define MK_MAX_FIT_DATA_BYTES (16 << 20)
#define MK_MAX_PARAMS_FILE_BYTES (1 << 20)

/* ---------------------------------------------------------------- model language */

/* Characters of a name (model, component, declaration).  63 is what C guarantees to be
 * significant in an identifier; a qualified name "component.local" then has at most 127
 * characters and fits the 128-byte name fields of scenarios and results, and the C name
 * component__local at most 128. */
#define MK_MAX_NAME_LEN 63
#define MK_MAX_QNAME_LEN (2 * MK_MAX_NAME_LEN + 1)
/* Components in one model. */
#define MK_MAX_COMPONENTS 10000
/* Declarations in one model (parameters, states, inputs and variables together). */
#define MK_MAX_DECLS 250000
/* Bytes of a string: a doc or a source. */
#define MK_MAX_STRING_LEN 4096
/* Bytes of a unit between brackets. */
#define MK_MAX_UNIT_LEN 255
/* Levels of parentheses, signs, powers and 'not' in one expression (bounds the parser's
 * recursion). */
#define MK_MAX_NESTING 100
/* Operations deep in one expression's tree ("a + b + ..." nests without parentheses). */
#define MK_MAX_EXPR_DEPTH 1000
/* Arguments of one function call (min and max take two or more). */
#define MK_MAX_CALL_ARGS 8
/* Levels of expressions and the variables they read, followed through (bounds the checker's
 * recursion). */
#define MK_MAX_VAR_CHAIN 2000

/* ---------------------------------------------------------------- scenarios and validation */

/* Levels of YAML nesting in a scenario and in a validation file. */
#define MK_MAX_SCENARIO_DEPTH 64
#define MK_MAX_VALIDATION_DEPTH 48
/* Scenarios one validation target may run. */
#define MK_MAX_VALIDATION_SCENARIOS 16
/* Input changes one timeline event may expand to, and the whole timeline. */
#define MK_MAX_EVENT_CHANGES 1000000
#define MK_MAX_TIMELINE_CHANGES 5000000
/* Occurrences of one repeated event ('times'). */
#define MK_MAX_EVENT_TIMES 100000
/* Trigger points in one body (a scenario's `sites:`, each a tissue instance of the composed
 * model, docs/site-composition.md): a neck-and-shoulder pattern has a handful. */
#define MK_MAX_SITES 12

#endif
