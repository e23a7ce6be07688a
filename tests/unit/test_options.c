/* CMocka tests of src/core/options.c: defaults, every key with valid and invalid values (a table),
 * the inline options string (commas, '=', duplicates, bounds), and config= with a YAML file that
 * inline keys override. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metaleak/error.h"
#include "metaleak/options.h"
#include "metaleak/optstring.h"
#include "testutil.h"

#define KNOWN_KEYS                                                                            \
    "config, report, interval, leak_gcs, verify_on_exit, log, max_loaders, history, paths, "      \
    "path_budget, max_pause, exit_budget, path_proof_after, suspect_after, mbean, metrics"

struct fixture {
    struct ml_options opts;
    char err[ML_ERRBUF];
    char *dir;                 /* temp dir for YAML files */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    ml_options_defaults(&f->opts);
    f->dir = tu_mkdtemp();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    tu_rmtree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* The option named key, as text ("" for an unknown key). */
static void field_text(const struct ml_options *o, const char *key, char *out, size_t len)
{
    if (strcmp(key, "config") == 0)
        snprintf(out, len, "%s", o->config);
    else if (strcmp(key, "report") == 0)
        snprintf(out, len, "%s", o->report);
    else if (strcmp(key, "interval") == 0)
        snprintf(out, len, "%u", o->interval_s);
    else if (strcmp(key, "leak_gcs") == 0)
        snprintf(out, len, "%u", o->leak_gcs);
    else if (strcmp(key, "verify_on_exit") == 0)
        snprintf(out, len, "%s", o->verify_on_exit ? "true" : "false");
    else if (strcmp(key, "log") == 0)
        snprintf(out, len, "%s", ml_log_level_name(o->log));
    else if (strcmp(key, "max_loaders") == 0)
        snprintf(out, len, "%u", o->max_loaders);
    else if (strcmp(key, "history") == 0)
        snprintf(out, len, "%u", o->history);
    else if (strcmp(key, "paths") == 0)
        snprintf(out, len, "%s", o->paths ? "auto" : "off");
    else if (strcmp(key, "path_budget") == 0)
        snprintf(out, len, "%u", o->path_budget_ms);
    else if (strcmp(key, "max_pause") == 0)
        snprintf(out, len, "%u", o->max_pause_ms);
    else if (strcmp(key, "exit_budget") == 0)
        snprintf(out, len, "%u", o->exit_budget_ms);
    else if (strcmp(key, "path_proof_after") == 0)
        snprintf(out, len, "%u", o->path_proof_after_s);
    else if (strcmp(key, "suspect_after") == 0)
        snprintf(out, len, "%u", o->suspect_after_s);
    else if (strcmp(key, "mbean") == 0)
        snprintf(out, len, "%s", ml_mbean_mode_name(o->mbean));
    else if (strcmp(key, "metrics") == 0)
        snprintf(out, len, "%s", o->metrics);
    else
        snprintf(out, len, "%s", "");
}

static void test_defaults(void **state)
{
    struct fixture *f = *state;
    struct ml_options o;

    memset(&o, 0xa5, sizeof(o));
    ml_options_defaults(&o);
    assert_string_equal(o.config, "");
    assert_string_equal(o.report, "");
    assert_int_equal(o.interval_s, 60);
    assert_int_equal(o.leak_gcs, 1);
    assert_true(o.verify_on_exit);
    assert_int_equal(o.log, ML_LOG_INFO);
    assert_int_equal(o.max_loaders, 100000);
    assert_int_equal(o.history, 1000);
    assert_true(o.paths);
    assert_int_equal(o.path_budget_ms, 10000);
    assert_int_equal(o.max_pause_ms, 200);
    assert_int_equal(o.exit_budget_ms, 10000);
    assert_int_equal(o.path_proof_after_s, 300);
    assert_int_equal(o.suspect_after_s, 600);
    /* An empty or absent options string changes nothing. */
    assert_int_equal(ml_optstring_parse(NULL, &f->opts, f->err, sizeof(f->err)), ML_OK);
    assert_int_equal(ml_optstring_parse("", &f->opts, f->err, sizeof(f->err)), ML_OK);
    assert_memory_equal(&o, &f->opts, sizeof(o));
}

static void test_known_keys_and_names(void **state)
{
    static const char *const keys[] = {"config", "report", "interval", "leak_gcs",
                                       "verify_on_exit", "log", "max_loaders", "history",
                                       "paths", "path_budget", "max_pause", "exit_budget",
                                       "path_proof_after", "suspect_after", "mbean",
                                       "metrics"};

    (void)state;
    assert_string_equal(ml_options_known_keys(), KNOWN_KEYS);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_true(ml_options_is_key(keys[i]));
    assert_false(ml_options_is_key(""));
    assert_false(ml_options_is_key("Interval"));
    assert_false(ml_options_is_key("interval "));
    assert_false(ml_options_is_key("intervals"));
    assert_string_equal(ml_log_level_name(ML_LOG_QUIET), "quiet");
    assert_string_equal(ml_log_level_name(ML_LOG_INFO), "info");
    assert_string_equal(ml_log_level_name(ML_LOG_DEBUG), "debug");
    assert_string_equal(ml_log_level_name(ML_LOG_ERROR), "error");
    assert_string_equal(ml_log_level_name(ML_LOG_WARN), "warn");
    assert_string_equal(ml_mbean_mode_name(ML_MBEAN_AUTO), "auto");
    assert_string_equal(ml_mbean_mode_name(ML_MBEAN_ON), "on");
    assert_string_equal(ml_mbean_mode_name(ML_MBEAN_OFF), "off");
}

static char long_path[ML_FILEPATH_MAX + 8];      /* "/" + 'a' * (ML_FILEPATH_MAX - 1): one too long */
static char max_path[ML_FILEPATH_MAX];           /* "/" + 'a' * (ML_FILEPATH_MAX - 2): the longest */

/* One key=value through ml_optstring_parse (so through ml_options_set with "agent options"). On
 * success the option reads back as `want` (NULL = the value itself); on failure the message is
 * exactly `msg` (NULL = only the generic checks: origin, key, value). */
static const struct {
    const char *key;
    const char *value;
    int rc;
    const char *want;
    const char *msg;
} KEYCASES[] = {
    /* interval: 0..86400 */
    {"interval", "0", ML_OK, NULL, NULL},
    {"interval", "1", ML_OK, NULL, NULL},
    {"interval", "86400", ML_OK, NULL, NULL},
    {"interval", "007", ML_OK, "7", NULL},
    {"interval", "86401", ML_ERR_CONFIG, NULL,
     "agent options: interval: '86401' is out of range 0..86400"},
    {"interval", "4294967296", ML_ERR_CONFIG, NULL,  /* 2^32: no truncation to 0 */
     "agent options: interval: '4294967296' is out of range 0..86400"},
    {"interval", "abc", ML_ERR_CONFIG, NULL,
     "agent options: interval: 'abc' is not a whole number"},
    {"interval", "-1", ML_ERR_CONFIG, NULL, "agent options: interval: '-1' is not a whole number"},
    {"interval", "+1", ML_ERR_CONFIG, NULL, "agent options: interval: '+1' is not a whole number"},
    {"interval", " 1", ML_ERR_CONFIG, NULL, "agent options: interval: ' 1' is not a whole number"},
    {"interval", "1 ", ML_ERR_CONFIG, NULL, "agent options: interval: '1 ' is not a whole number"},
    {"interval", "1.0", ML_ERR_CONFIG, NULL,
     "agent options: interval: '1.0' is not a whole number"},
    {"interval", "1e3", ML_ERR_CONFIG, NULL,
     "agent options: interval: '1e3' is not a whole number"},
    {"interval", "0x10", ML_ERR_CONFIG, NULL,
     "agent options: interval: '0x10' is not a whole number"},
    {"interval", "10s", ML_ERR_CONFIG, NULL,
     "agent options: interval: '10s' is not a whole number"},
    {"interval", "", ML_ERR_CONFIG, NULL, "agent options: interval: '' is not a whole number"},
    {"interval", "99999999999999999999999", ML_ERR_CONFIG, NULL, NULL},
    {"interval", "18446744073709551616", ML_ERR_CONFIG, NULL, NULL},  /* 2^64 */
    /* leak_gcs: 1..1000 */
    {"leak_gcs", "1", ML_OK, NULL, NULL},
    {"leak_gcs", "2", ML_OK, NULL, NULL},
    {"leak_gcs", "1000", ML_OK, NULL, NULL},
    {"leak_gcs", "0", ML_ERR_CONFIG, NULL, "agent options: leak_gcs: '0' is out of range 1..1000"},
    {"leak_gcs", "1001", ML_ERR_CONFIG, NULL,
     "agent options: leak_gcs: '1001' is out of range 1..1000"},
    {"leak_gcs", "4294967297", ML_ERR_CONFIG, NULL,  /* 2^32 + 1: no truncation to 1 */
     "agent options: leak_gcs: '4294967297' is out of range 1..1000"},
    {"leak_gcs", "one", ML_ERR_CONFIG, NULL,
     "agent options: leak_gcs: 'one' is not a whole number"},
    {"leak_gcs", "", ML_ERR_CONFIG, NULL, "agent options: leak_gcs: '' is not a whole number"},
    {"leak_gcs", "99999999999999999999999", ML_ERR_CONFIG, NULL, NULL},
    /* max_loaders: 16..10000000 */
    {"max_loaders", "16", ML_OK, NULL, NULL},
    {"max_loaders", "10000000", ML_OK, NULL, NULL},
    {"max_loaders", "15", ML_ERR_CONFIG, NULL,
     "agent options: max_loaders: '15' is out of range 16..10000000"},
    {"max_loaders", "0", ML_ERR_CONFIG, NULL,
     "agent options: max_loaders: '0' is out of range 16..10000000"},
    {"max_loaders", "10000001", ML_ERR_CONFIG, NULL,
     "agent options: max_loaders: '10000001' is out of range 16..10000000"},
    {"max_loaders", "1k", ML_ERR_CONFIG, NULL,
     "agent options: max_loaders: '1k' is not a whole number"},
    {"max_loaders", "", ML_ERR_CONFIG, NULL,
     "agent options: max_loaders: '' is not a whole number"},
    {"max_loaders", "99999999999999999999999", ML_ERR_CONFIG, NULL, NULL},
    /* history: 0..1000000 */
    {"history", "0", ML_OK, NULL, NULL},
    {"history", "1000000", ML_OK, NULL, NULL},
    {"history", "1000001", ML_ERR_CONFIG, NULL,
     "agent options: history: '1000001' is out of range 0..1000000"},
    {"history", "-0", ML_ERR_CONFIG, NULL, "agent options: history: '-0' is not a whole number"},
    {"history", "", ML_ERR_CONFIG, NULL, "agent options: history: '' is not a whole number"},
    {"history", "99999999999999999999999", ML_ERR_CONFIG, NULL, NULL},
    /* verify_on_exit: exactly true / false */
    {"verify_on_exit", "true", ML_OK, NULL, NULL},
    {"verify_on_exit", "false", ML_OK, NULL, NULL},
    {"verify_on_exit", "TRUE", ML_ERR_CONFIG, NULL,
     "agent options: verify_on_exit: 'TRUE' is not true or false"},
    {"verify_on_exit", "yes", ML_ERR_CONFIG, NULL,
     "agent options: verify_on_exit: 'yes' is not true or false"},
    {"verify_on_exit", "1", ML_ERR_CONFIG, NULL,
     "agent options: verify_on_exit: '1' is not true or false"},
    {"verify_on_exit", "", ML_ERR_CONFIG, NULL,
     "agent options: verify_on_exit: '' is not true or false"},
    /* log: quiet / info / debug */
    {"log", "quiet", ML_OK, NULL, NULL},
    {"log", "info", ML_OK, NULL, NULL},
    {"log", "debug", ML_OK, NULL, NULL},
    {"log", "error", ML_OK, NULL, NULL},
    {"log", "warn", ML_OK, NULL, NULL},
    {"log", "WARN", ML_ERR_CONFIG, NULL,
     "agent options: log: 'WARN' is not one of error, warn, info, debug (or quiet)"},
    {"log", "warning", ML_ERR_CONFIG, NULL,
     "agent options: log: 'warning' is not one of error, warn, info, debug (or quiet)"},
    {"mbean", "auto", ML_OK, NULL, NULL},
    {"mbean", "on", ML_OK, NULL, NULL},
    {"mbean", "off", ML_OK, NULL, NULL},
    {"mbean", "true", ML_ERR_CONFIG, NULL,
     "agent options: mbean: 'true' is not one of auto, on, off"},
    {"mbean", "", ML_ERR_CONFIG, NULL, "agent options: mbean: '' is not one of auto, on, off"},
    {"metrics", "/var/lib/node_exporter/metaleak-%h.prom", ML_OK, NULL, NULL},
    {"metrics", "", ML_ERR_CONFIG, NULL, "agent options: metrics: empty path"},
    {"log", "INFO", ML_ERR_CONFIG, NULL,
     "agent options: log: 'INFO' is not one of error, warn, info, debug (or quiet)"},
    {"log", "verbose", ML_ERR_CONFIG, NULL,
     "agent options: log: 'verbose' is not one of error, warn, info, debug (or quiet)"},
    {"log", "", ML_ERR_CONFIG, NULL, "agent options: log: '' is not one of error, warn, info, debug (or quiet)"},
    /* paths, path_budget, path_proof_after */
    {"paths", "auto", ML_OK, NULL, NULL},
    {"paths", "off", ML_OK, NULL, NULL},
    {"paths", "on", ML_ERR_CONFIG, NULL, "agent options: paths: 'on' is not one of auto, off"},
    {"path_budget", "10", ML_OK, NULL, NULL},
    {"path_budget", "600000", ML_OK, NULL, NULL},
    {"path_budget", "9", ML_ERR_CONFIG, NULL,
     "agent options: path_budget: '9' is out of range 10..600000"},
    {"path_budget", "2s", ML_ERR_CONFIG, NULL,
     "agent options: path_budget: '2s' is not a whole number"},
    /* max_pause: 0 = no automatic heap walk; exit_budget: at least a second for the report */
    {"max_pause", "0", ML_OK, NULL, NULL},
    {"max_pause", "600000", ML_OK, NULL, NULL},
    {"max_pause", "600001", ML_ERR_CONFIG, NULL,
     "agent options: max_pause: '600001' is out of range 0..600000"},
    {"max_pause", "200ms", ML_ERR_CONFIG, NULL,
     "agent options: max_pause: '200ms' is not a whole number"},
    {"exit_budget", "1000", ML_OK, NULL, NULL},
    {"exit_budget", "3600000", ML_OK, NULL, NULL},
    {"exit_budget", "999", ML_ERR_CONFIG, NULL,
     "agent options: exit_budget: '999' is out of range 1000..3600000"},
    {"path_proof_after", "0", ML_OK, NULL, NULL},
    {"path_proof_after", "86401", ML_ERR_CONFIG, NULL,
     "agent options: path_proof_after: '86401' is out of range 0..86400"},
    {"suspect_after", "0", ML_OK, NULL, NULL},
    {"suspect_after", "604801", ML_ERR_CONFIG, NULL,
     "agent options: suspect_after: '604801' is out of range 0..604800"},
    /* report: a path template, checked later (filepath) */
    {"report", "/tmp/metaleak-%p.json", ML_OK, NULL, NULL},
    {"report", "r.json", ML_OK, NULL, NULL},
    {"report", "/tmp/a=b.json", ML_OK, NULL, NULL},   /* split at the first '=' only */
    {"report", max_path, ML_OK, NULL, NULL},
    {"report", long_path, ML_ERR_CONFIG, NULL,
     "agent options: report: path is longer than 4095 bytes"},
    {"report", "", ML_ERR_CONFIG, NULL, "agent options: report: empty path"},
    /* config: empty is refused before any file is read */
    {"config", "", ML_ERR_CONFIG, NULL, "agent options: config: empty path"},
    /* unknown keys list the known ones */
    {"intervl", "5", ML_ERR_CONFIG, NULL,
     "agent options: unknown key 'intervl' (known keys: " KNOWN_KEYS ")"},
    {"Interval", "5", ML_ERR_CONFIG, NULL,
     "agent options: unknown key 'Interval' (known keys: " KNOWN_KEYS ")"},
    {"", "5", ML_ERR_CONFIG, NULL, "agent options: unknown key '' (known keys: " KNOWN_KEYS ")"},
};

static void test_key_table(void **state)
{
    struct fixture *f = *state;
    int failures = 0;

    memset(long_path, 'a', ML_FILEPATH_MAX);
    long_path[0] = '/';
    long_path[ML_FILEPATH_MAX] = '\0';
    memset(max_path, 'a', ML_FILEPATH_MAX - 1);
    max_path[0] = '/';
    max_path[ML_FILEPATH_MAX - 1] = '\0';

    for (size_t i = 0; i < sizeof(KEYCASES) / sizeof(KEYCASES[0]); i++) {
        const char *key = KEYCASES[i].key, *value = KEYCASES[i].value;
        size_t len = strlen(key) + strlen(value) + 2;
        char *optstr = malloc(len);
        char got[ML_FILEPATH_MAX + 8];
        struct ml_options o;
        int rc;

        assert_non_null(optstr);
        snprintf(optstr, len, "%s=%s", key, value);
        ml_options_defaults(&o);
        f->err[0] = '\0';
        rc = ml_optstring_parse(optstr, &o, f->err, sizeof(f->err));
        if (rc != KEYCASES[i].rc) {
            TU_ROW_FAIL(failures, "row %zu '%.60s': rc %d, want %d (err '%s')", i, optstr, rc,
                        KEYCASES[i].rc, f->err);
        } else if (rc == ML_OK) {
            const char *want = KEYCASES[i].want ? KEYCASES[i].want : value;

            field_text(&o, key, got, sizeof(got));
            if (strcmp(got, want) != 0)
                TU_ROW_FAIL(failures, "row %zu '%.60s': option reads '%.60s', want '%.60s'", i,
                            optstr, got, want);
        } else {
            /* Every message names its origin and its key, and the value of a known key
             * unless it is too long to quote. */
            bool known = ml_options_is_key(key);

            if (strncmp(f->err, "agent options: ", 15) != 0 || strstr(f->err, key) == NULL ||
                (known && strlen(value) < 100 && *value != '\0' &&
                 strstr(f->err, value) == NULL) ||
                strchr(f->err, '\n') != NULL)
                TU_ROW_FAIL(failures, "row %zu '%.60s': message '%s' lacks origin/key/value", i,
                            optstr, f->err);
            if (KEYCASES[i].msg != NULL && strcmp(f->err, KEYCASES[i].msg) != 0)
                TU_ROW_FAIL(failures, "row %zu '%.60s': message\n  '%s'\nwant\n  '%s'", i,
                            optstr, f->err, KEYCASES[i].msg);
        }
        free(optstr);
    }
    assert_int_equal(failures, 0);
}

/* ml_options_set reports the origin it is given (the YAML loader passes FILE:LINE:COL). */
static void test_set_where(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(ml_options_set(&f->opts, "leak_gcs", "0", "/tmp/x.yaml:3:11", f->err,
                                    sizeof(f->err)),
                     ML_ERR_CONFIG);
    assert_string_equal(f->err, "/tmp/x.yaml:3:11: leak_gcs: '0' is out of range 1..1000");
    assert_int_equal(f->opts.leak_gcs, 1);  /* unchanged by a rejected value */
    assert_int_equal(ml_options_set(&f->opts, "leak_gcs", "3", "x", f->err, sizeof(f->err)),
                     ML_OK);
    assert_int_equal(f->opts.leak_gcs, 3);
    /* A tiny buffer is truncated, never overrun. */
    {
        char small[8];

        memset(small, 'X', sizeof(small));
        assert_int_equal(ml_options_set(&f->opts, "nope", "1", "agent options", small, 5),
                         ML_ERR_CONFIG);
        assert_string_equal(small, "agen");
        assert_int_equal(small[5], 'X');
    }
}

/* The whole options string: structure errors first, then values. */
static const struct {
    const char *optstr;
    int rc;
    const char *msg;   /* exact message, NULL on success */
} STRCASES[] = {
    {"interval=5,log=debug", ML_OK, NULL},
    {"interval=1,", ML_OK, NULL},                       /* trailing comma is harmless */
    {",interval=1", ML_ERR_CONFIG,
     "agent options: option 1 is empty (two commas in a row, or a leading comma?)"},
    {"interval=1,,log=info", ML_ERR_CONFIG,
     "agent options: option 2 is empty (two commas in a row, or a leading comma?)"},
    {",", ML_ERR_CONFIG,
     "agent options: option 1 is empty (two commas in a row, or a leading comma?)"},
    {"interval=1,,", ML_ERR_CONFIG,
     "agent options: option 2 is empty (two commas in a row, or a leading comma?)"},
    {"interval", ML_ERR_CONFIG, "agent options: 'interval' is not key=value"},
    {"interval=5,log", ML_ERR_CONFIG, "agent options: 'log' is not key=value"},
    {"interval=1,interval=2", ML_ERR_CONFIG, "agent options: key 'interval' is given twice"},
    {"log=info,interval=1,log=info", ML_ERR_CONFIG, "agent options: key 'log' is given twice"},
    {"report=a.json,report=b.json", ML_ERR_CONFIG, "agent options: key 'report' is given twice"},
    {"config=a.yaml,config=b.yaml", ML_ERR_CONFIG, "agent options: key 'config' is given twice"},
    {"interval=5,intervl=6", ML_ERR_CONFIG,
     "agent options: unknown key 'intervl' (known keys: " KNOWN_KEYS ")"},
    {"=5", ML_ERR_CONFIG, "agent options: unknown key '' (known keys: " KNOWN_KEYS ")"},
    {"interval==5", ML_ERR_CONFIG, "agent options: interval: '=5' is not a whole number"},
    {"config=/nonexistent/metaleak-unit.yaml", ML_ERR_IO,
     "/nonexistent/metaleak-unit.yaml: cannot read: No such file or directory"},
};

static void test_string_table(void **state)
{
    struct fixture *f = *state;
    int failures = 0;

    for (size_t i = 0; i < sizeof(STRCASES) / sizeof(STRCASES[0]); i++) {
        struct ml_options o;
        int rc;

        ml_options_defaults(&o);
        f->err[0] = '\0';
        rc = ml_optstring_parse(STRCASES[i].optstr, &o, f->err, sizeof(f->err));
        if (rc != STRCASES[i].rc)
            TU_ROW_FAIL(failures, "'%s': rc %d, want %d (err '%s')", STRCASES[i].optstr, rc,
                        STRCASES[i].rc, f->err);
        else if (STRCASES[i].msg != NULL && strcmp(f->err, STRCASES[i].msg) != 0)
            TU_ROW_FAIL(failures, "'%s': message\n  '%s'\nwant\n  '%s'", STRCASES[i].optstr,
                        f->err, STRCASES[i].msg);
    }
    assert_int_equal(failures, 0);
}

static void test_all_keys_inline(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(ml_optstring_parse("report=/tmp/r-%p.json,interval=5,leak_gcs=2,"
                                      "verify_on_exit=false,log=quiet,max_loaders=16,history=3",
                                      &f->opts, f->err, sizeof(f->err)),
                     ML_OK);
    assert_string_equal(f->opts.report, "/tmp/r-%p.json");
    assert_string_equal(f->opts.config, "");
    assert_int_equal(f->opts.interval_s, 5);
    assert_int_equal(f->opts.leak_gcs, 2);
    assert_false(f->opts.verify_on_exit);
    assert_int_equal(f->opts.log, ML_LOG_QUIET);
    assert_int_equal(f->opts.max_loaders, 16);
    assert_int_equal(f->opts.history, 3);
}

static void test_too_many_options(void **state)
{
    struct fixture *f = *state;
    char optstr[1024] = "";
    size_t o = 0;

    /* 33 pairs: the count is checked before the keys (they are not even valid keys). */
    for (int i = 0; i < 33; i++)
        o += (size_t)snprintf(optstr + o, sizeof(optstr) - o, "%sk%d=1", i ? "," : "", i);
    assert_int_equal(ml_optstring_parse(optstr, &f->opts, f->err, sizeof(f->err)), ML_ERR_CONFIG);
    assert_string_equal(f->err, "agent options: more than 32 options");
}

/* config=FILE: the file is read first, inline keys override it wherever they stand. */
static void test_config_file_inline_wins(void **state)
{
    struct fixture *f = *state;
    char *yaml = tu_join(f->dir, "metaleak.yaml");
    static const char text[] = "# metaleak\ninterval: 30\nlog: debug\nleak_gcs: 3\n"
                               "report: \"/tmp/from-file.json\"\n";
    char optstr[ML_FILEPATH_MAX + 128];

    tu_write_file(yaml, text, sizeof(text) - 1);

    /* inline key after config= */
    snprintf(optstr, sizeof(optstr), "config=%s,interval=10", yaml);
    assert_int_equal(ml_optstring_parse(optstr, &f->opts, f->err, sizeof(f->err)), ML_OK);
    assert_string_equal(f->opts.config, yaml);
    assert_int_equal(f->opts.interval_s, 10);          /* inline wins */
    assert_int_equal(f->opts.log, ML_LOG_DEBUG);        /* from the file */
    assert_int_equal(f->opts.leak_gcs, 3);
    assert_string_equal(f->opts.report, "/tmp/from-file.json");
    assert_int_equal(f->opts.max_loaders, 100000);      /* default: in neither */

    /* inline keys before config= still win: the file is applied first */
    ml_options_defaults(&f->opts);
    snprintf(optstr, sizeof(optstr), "log=quiet,report=/tmp/inline.json,config=%s", yaml);
    assert_int_equal(ml_optstring_parse(optstr, &f->opts, f->err, sizeof(f->err)), ML_OK);
    assert_int_equal(f->opts.log, ML_LOG_QUIET);
    assert_string_equal(f->opts.report, "/tmp/inline.json");
    assert_int_equal(f->opts.interval_s, 30);
    assert_int_equal(f->opts.leak_gcs, 3);
    free(yaml);
}

static void test_config_file_errors(void **state)
{
    struct fixture *f = *state;
    char *yaml = tu_join(f->dir, "bad.yaml");
    static const char text[] = "interval: 30\n\nleak_gcs: 0\n";
    char optstr[ML_FILEPATH_MAX + 128];
    char want[ML_ERRBUF];

    tu_write_file(yaml, text, sizeof(text) - 1);
    snprintf(optstr, sizeof(optstr), "config=%s", yaml);
    assert_int_equal(ml_optstring_parse(optstr, &f->opts, f->err, sizeof(f->err)), ML_ERR_CONFIG);
    snprintf(want, sizeof(want), "%s:3:11: leak_gcs: '0' is out of range 1..1000", yaml);
    assert_string_equal(f->err, want);

    /* An invalid inline value is reported even when the file is fine. */
    tu_write_file(yaml, "interval: 30\n", 13);
    ml_options_defaults(&f->opts);
    snprintf(optstr, sizeof(optstr), "config=%s,history=abc", yaml);
    assert_int_equal(ml_optstring_parse(optstr, &f->opts, f->err, sizeof(f->err)), ML_ERR_CONFIG);
    assert_string_equal(f->err, "agent options: history: 'abc' is not a whole number");

    /* A file that does not exist */
    ml_options_defaults(&f->opts);
    snprintf(optstr, sizeof(optstr), "interval=5,config=%s/missing.yaml", f->dir);
    assert_int_equal(ml_optstring_parse(optstr, &f->opts, f->err, sizeof(f->err)), ML_ERR_IO);
    snprintf(want, sizeof(want), "%s/missing.yaml: cannot read: No such file or directory",
             f->dir);
    assert_string_equal(f->err, want);
    free(yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_known_keys_and_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_where, setup, teardown),
        cmocka_unit_test_setup_teardown(test_string_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_keys_inline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_inline_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_errors, setup, teardown),
    };

    return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
