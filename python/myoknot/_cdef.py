"""The part of libmyoknot's public C API (include/myoknot*.h) the package calls, for cffi's
ABI mode.  Declarations are copied from the headers; struct layouts must match them exactly
(tests/python/test_myoknot.py checks the record sizes the library reports through its
accessors, and every field this module reads)."""

CDEF = r"""
typedef enum mk_status {
    MK_OK = 0, MK_ERR_NOMEM, MK_ERR_IO, MK_ERR_SYNTAX, MK_ERR_UNIT, MK_ERR_NAME, MK_ERR_CYCLE,
    MK_ERR_MODEL, MK_ERR_COMPILE, MK_ERR_SOLVER, MK_ERR_INVALID
} mk_status;
typedef enum mk_origin { MK_ORIGIN_LIBRARY = 0, MK_ORIGIN_OVERRIDE, MK_ORIGIN_ARGUMENT } mk_origin;
typedef struct mk_error {
    mk_status code;
    mk_origin origin;
    char file[1024];
    int line, column;
    char message[1024];
} mk_error;
const char *mk_error_format(const mk_error *err, char *buf, size_t size);
const char *mk_status_name(mk_status code);
const char *mk_origin_name(mk_origin origin);
const char *mk_version(void);

typedef struct mk_units mk_units;
mk_status mk_units_new(mk_units **out, mk_error *err);
void mk_units_free(mk_units *u);
mk_status mk_units_convert_quantity(mk_units *u, const char *text, const char *target_unit,
                                    double *out, mk_error *err);

typedef enum mk_symbol_kind { MK_SYM_PARAM = 0, MK_SYM_STATE = 1, MK_SYM_INPUT = 2, MK_SYM_VAR = 3 } mk_symbol_kind;
typedef struct mk_symbol {
    const char *name;
    const char *unit;
    const char *doc;
    const char *source;
    double value;
    double lo, hi;
    double diffusion_m2_s;
    double si_scale;
    double si_offset;
    int is_output;
    int line;
    int constraint;
} mk_symbol;
typedef void (*mk_rhs_fn)(double t_s, const double *y, double *ydot, const double *inputs,
                          const double *params, double *vars);
typedef struct mk_law {
    const char *name; const char *unit; const char *doc;
    double tol; double scale; int line; int n_states; const int *states;
} mk_law;
typedef void (*mk_laws_fn)(const double *y, const double *params, double *out);
typedef struct mk_model_file { const char *name; const char *text; } mk_model_file;
typedef void (*mk_jac_fn)(double t_s, const double *y, const double *inputs, const double *params,
                          double *values);
typedef struct mk_label_def mk_label_def;
typedef struct mk_why_def mk_why_def;
typedef struct mk_model_abi {
    int abi_version;
    const char *name;
    const char *doc;
    const char *hash;
    const char *source;
    const char *generator;
    int n_params, n_states, n_inputs, n_vars;
    const mk_symbol *params;
    const mk_symbol *states;
    const mk_symbol *inputs;
    const mk_symbol *vars;
    mk_rhs_fn rhs;
    int n_laws;
    const mk_law *laws;
    mk_laws_fn eval_laws;
    int n_files;
    const mk_model_file *files;
    int n_labels;
    const mk_label_def *labels;
    int n_whys;
    const mk_why_def *whys;
    int jac_nnz;
    const int *jac_colptr;
    const int *jac_rows;
    mk_jac_fn jac;
} mk_model_abi;

typedef struct mk_model mk_model;
typedef struct mk_model_ref mk_model_ref;
mk_status mk_model_open(const char *name_or_path, int compile, mk_model_ref **out, mk_error *err);
const mk_model_abi *mk_model_ref_abi(const mk_model_ref *r);
void mk_model_ref_free(mk_model_ref *r);

typedef struct mk_anatomy mk_anatomy;
mk_status mk_anatomy_load(mk_anatomy **out, mk_error *err);
void mk_anatomy_free(mk_anatomy *a);

typedef struct mk_protocol mk_protocol;
const char *mk_protocol_name(const mk_protocol *p);
double mk_protocol_duration_s(const mk_protocol *p);

typedef struct mk_study mk_study;
typedef struct mk_study_opts {
    const char *model;
    const char *const *sets;
    int n_sets;
    const char *params_file;
    int strict;
} mk_study_opts;
mk_status mk_study_open(const char *scenario_path, const mk_study_opts *opts, mk_study **out,
                        mk_error *err);
void mk_study_free(mk_study *s);
const char *mk_study_warnings(const mk_study *s);
const mk_protocol *mk_study_protocol(const mk_study *s);
const mk_model_abi *mk_study_abi(const mk_study *s);

typedef struct mk_sim_opts mk_sim_opts;
typedef struct mk_result mk_result;
mk_status mk_study_run(const mk_study *s, const mk_sim_opts *opts, mk_result **out, mk_error *err);
void mk_result_free(mk_result *r);
int mk_result_rows(const mk_result *r);
int mk_result_cols(const mk_result *r);
const char *mk_result_col_name(const mk_result *r, int col);
const char *mk_result_col_unit(const mk_result *r, int col);
int mk_result_col_find(const mk_result *r, const char *name);
const double *mk_result_time(const mk_result *r);
mk_status mk_result_col_copy(const mk_result *r, int col, double *out, mk_error *err);
int mk_result_meas_count(const mk_result *r);
typedef struct mk_meas_info {
    const char *label;
    double t_s;
    double value;
    const char *unit;
    const char *note;
} mk_meas_info;
mk_status mk_result_meas(const mk_result *r, int i, mk_meas_info *out, mk_error *err);
const char *mk_result_summary(const mk_result *r);
double mk_result_wall_s(const mk_result *r);

typedef struct mk_vtarget mk_vtarget;
mk_status mk_vtarget_load_file(const char *path, mk_vtarget **out, mk_error *err);
void mk_vtarget_free(mk_vtarget *t);
const char *mk_vtarget_name(const mk_vtarget *t);
const char *mk_vtarget_role(const mk_vtarget *t);
typedef enum mk_verdict { MK_V_PASS, MK_V_FAIL, MK_V_XFAIL, MK_V_XPASS, MK_V_ERROR, MK_V_DRIFT, MK_V_N } mk_verdict;
const char *mk_verdict_name(mk_verdict v);
typedef struct mk_vcurve {
    char label[128];
    char unit[32];
    int n;
    double *t_s, *v;
    double w0_s, w1_s;
    int band_applies;
} mk_vcurve;
typedef struct mk_vresult {
    char name[96];
    char file[512];
    char quantity[256];
    char source[512];
    char published[160];
    char unit[32];
    char compare[16];
    char tolerance[160];
    char why[1024];
    char role[16];
    char role_why[512];
    char circular[512];
    char expected[1024];
    int n_recorded;
    double recorded[8];
    double drift;
    double pub_value;
    double pub_lo, pub_hi;
    double acc_lo, acc_hi;
    double model;
    int n_items;
    double items[8];
    int direction;
    double min_step;
    char item_labels[8][48];
    char model_text[160];
    mk_verdict verdict;
    char note[1024];
    mk_vcurve curve;
    double wall_s;
} mk_vresult;
mk_status mk_vtarget_run(mk_vtarget *t, const mk_model_abi *abi, mk_units *u,
                         const mk_anatomy *anat, mk_vresult *out, mk_error *err);
void mk_vresult_free(mk_vresult *r);
"""
