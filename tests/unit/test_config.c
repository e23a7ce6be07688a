/* CMocka tests of src/core/config.c: the YAML configuration file. One table of cases runs twice,
 * through ml_config_load_buffer (name "cfg.yaml") and through ml_config_load (a temp file, whose
 * path then appears in the messages), and checks rc, the exact "NAME:LINE:COL" and the message.
 * File-only cases follow: missing file, a directory, the 1 MiB bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "metaleak/config.h"
#include "metaleak/error.h"
#include "metaleak/options.h"
#include "metaleak/optstring.h"
#include "testutil.h"

#define KNOWN_KEYS                                                                            \
    "config, report, interval, leak_gcs, verify_on_exit, log, max_loaders, history, paths, "      \
    "path_budget, max_pause, exit_budget, path_proof_after, suspect_after, mbean, metrics"
#define MIB (1024 * 1024)

struct fixture {
    char *dir;
    char err[ML_ERRBUF];
    struct ml_options opts;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    f->dir = tu_mkdtemp();
    ml_options_defaults(&f->opts);
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

enum match { EXACT, LIBYAML };  /* LIBYAML: "malformed YAML: " then libyaml's text containing msg */

static const struct {
    const char *what;
    const char *yaml;
    int rc;
    const char *expect;   /* success: the same options as an inline string ("" = defaults) */
    const char *where;    /* failure: "LINE:COL" */
    enum match match;
    const char *msg;      /* failure: the message after "NAME:LINE:COL: " */
} CASES[] = {
    /* valid */
    {"flat mapping, every key",
     "report: /tmp/r-%p.json\ninterval: 5\nleak_gcs: 2\nverify_on_exit: false\nlog: debug\n"
     "max_loaders: 16\nhistory: 0\n",
     ML_OK,
     "report=/tmp/r-%p.json,interval=5,leak_gcs=2,verify_on_exit=false,log=debug,"
     "max_loaders=16,history=0", NULL, EXACT, NULL},
    {"empty document", "", ML_OK, "", NULL, EXACT, NULL},
    {"--- only", "---\n", ML_OK, "", NULL, EXACT, NULL},
    {"--- and ...", "---\n...\n", ML_OK, "", NULL, EXACT, NULL},
    {"only comments", "# metaleak\n   # nothing here\n\n", ML_OK, "", NULL, EXACT, NULL},
    {"trailing comments", "interval: 5 # five\n# end\nlog: quiet   # shh\n", ML_OK,
     "interval=5,log=quiet", NULL, EXACT, NULL},
    {"double and single quotes", "interval: \"5\"\nlog: 'debug'\nreport: \"/tmp/a b#c.json\"\n",
     ML_OK, "interval=5,log=debug,report=/tmp/a b#c.json", NULL, EXACT, NULL},
    {"explicit document", "%YAML 1.1\n---\ninterval: 7\n...\n", ML_OK, "interval=7", NULL, EXACT,
     NULL},
    {"flow mapping", "{interval: 5, log: debug}", ML_OK, "interval=5,log=debug", NULL, EXACT,
     NULL},
    {"CRLF line ends", "interval: 5\r\nlog: debug\r\n", ML_OK, "interval=5,log=debug", NULL,
     EXACT, NULL},
    {"UTF-8 BOM", "\xef\xbb\xbfinterval: 5\n", ML_OK, "interval=5", NULL, EXACT, NULL},
    {"tab after the colon", "interval:\t5\n", ML_OK, "interval=5", NULL, EXACT, NULL},
    {"no newline at the end", "interval: 9", ML_OK, "interval=9", NULL, EXACT, NULL},
    {"folded block scalar", "interval: >-\n  5\n", ML_OK, "interval=5", NULL, EXACT, NULL},
    {"tagged scalar", "interval: !!int 5\n", ML_OK, "interval=5", NULL, EXACT, NULL},
    /* values checked like inline ones, located at the value */
    {"value out of range", "interval: 30\n\nleak_gcs: 0\n", ML_ERR_CONFIG, NULL, "3:11", EXACT,
     "leak_gcs: '0' is out of range 1..1000"},
    {"value after spaces", "interval:     abc\n", ML_ERR_CONFIG, NULL, "1:15", EXACT,
     "interval: 'abc' is not a whole number"},
    {"indented flow mapping", "{ log: loud }", ML_ERR_CONFIG, NULL, "1:8", EXACT,
     "log: 'loud' is not one of error, warn, info, debug (or quiet)"},
    {"history bound", "interval: 5\nlog: info\nhistory: 1000001\n", ML_ERR_CONFIG, NULL, "3:10",
     EXACT, "history: '1000001' is out of range 0..1000000"},
    {"max_loaders bound", "max_loaders: 15\n", ML_ERR_CONFIG, NULL, "1:14", EXACT,
     "max_loaders: '15' is out of range 16..10000000"},
    {"YAML boolean spelling", "verify_on_exit: yes\n", ML_ERR_CONFIG, NULL, "1:17", EXACT,
     "verify_on_exit: 'yes' is not true or false"},
    {"quoted empty number", "interval: \"\"\n", ML_ERR_CONFIG, NULL, "1:11", EXACT,
     "interval: '' is not a whole number"},
    {"quoted empty path", "report: ''\n", ML_ERR_CONFIG, NULL, "1:9", EXACT,
     "report: empty path"},
    {"tilde is not null here", "interval: ~\n", ML_ERR_CONFIG, NULL, "1:11", EXACT,
     "interval: '~' is not a whole number"},
    {"plain scalar continued", "interval: 5\n  log: info\n", ML_ERR_CONFIG, NULL, "1:11", EXACT,
     "interval: '5 log' is not a whole number"},
    /* keys: located at the key */
    {"unknown key", "interval: 5\nintervl: 6\n", ML_ERR_CONFIG, NULL, "2:1", EXACT,
     "unknown key 'intervl' (known keys: " KNOWN_KEYS ")"},
    {"unknown key, indented flow", "{interval: 5,   Log: info}", ML_ERR_CONFIG, NULL, "1:17", EXACT,
     "unknown key 'Log' (known keys: " KNOWN_KEYS ")"},
    {"duplicate key", "interval: 5\nlog: info\ninterval: 6\n", ML_ERR_CONFIG, NULL, "3:1", EXACT,
     "key 'interval' is given twice"},
    {"config inside", "interval: 5\nconfig: /tmp/other.yaml\n", ML_ERR_CONFIG, NULL, "2:1",
     EXACT, "config: a configuration file cannot name another one"},
    {"null value", "log: info\ninterval:\n", ML_ERR_CONFIG, NULL, "2:1", EXACT,
     "interval: no value"},
    {"null value before another key", "interval:\nlog: info\n", ML_ERR_CONFIG, NULL, "1:1", EXACT,
     "interval: no value"},
    /* shapes */
    {"nested mapping", "interval:\n  every: 5\n", ML_ERR_CONFIG, NULL, "2:3", EXACT,
     "interval: value is a mapping, expected a single value"},
    {"flow list value", "interval: [1, 2]\n", ML_ERR_CONFIG, NULL, "1:11", EXACT,
     "interval: value is a list, expected a single value"},
    {"block list value", "report:\n  - a.json\n  - b.json\n", ML_ERR_CONFIG, NULL, "2:3", EXACT,
     "report: value is a list, expected a single value"},
    {"alias value", "interval: &a 5\nleak_gcs: *a\n", ML_ERR_CONFIG, NULL, "2:11", EXACT,
     "leak_gcs: value is an alias, expected a single value"},
    {"top-level list", "- interval\n", ML_ERR_CONFIG, NULL, "1:1", EXACT,
     "expected a mapping of option keys, found a list"},
    {"top-level scalar", "interval=5\n", ML_ERR_CONFIG, NULL, "1:1", EXACT,
     "expected a mapping of option keys, found 'interval=5'"},
    {"list as key", "[a]: 1\n", ML_ERR_CONFIG, NULL, "1:1", EXACT,
     "expected a mapping of option keys, found a list"},
    {"two documents", "interval: 5\n---\nlog: info\n", ML_ERR_CONFIG, NULL, "2:1", EXACT,
     "more than one YAML document"},
    /* malformed YAML: libyaml's own words, our location */
    {"unclosed double quote", "report: \"/tmp/x.json\n", ML_ERR_CONFIG, NULL, "2:1", LIBYAML,
     "found unexpected end of stream (while scanning a quoted scalar at line 1 column 9)"},
    {"unclosed single quote", "interval: 5\nlog: 'info\n", ML_ERR_CONFIG, NULL, "3:1", LIBYAML,
     "found unexpected end of stream (while scanning a quoted scalar at line 2 column 6)"},
    {"bad indentation", "  interval: 5\nlog: info\n", ML_ERR_CONFIG, NULL, "2:1", LIBYAML,
     "did not find expected <document start>"},
    {"list item after a mapping", "interval: 5\n- 1\n", ML_ERR_CONFIG, NULL, "2:1", LIBYAML,
     "did not find expected key (while parsing a block mapping at line 1 column 1)"},
    {"colon in a plain value", "interval: 5\nlog: info: x\n", ML_ERR_CONFIG, NULL, "2:10",
     LIBYAML, "mapping values are not allowed in this context"},
    {"tab as indentation", "\tinterval: 5\n", ML_ERR_CONFIG, NULL, "1:1", LIBYAML,
     "found character that cannot start any token"},
    {"tab in a continuation", "interval: 5\n\tlog: info\n", ML_ERR_CONFIG, NULL, "2:1", LIBYAML,
     "found a tab character that violates indentation"},
    {"unclosed flow mapping", "{interval: 5\n", ML_ERR_CONFIG, NULL, "2:1", LIBYAML,
     "did not find expected ',' or '}' (while parsing a flow mapping at line 1 column 1)"},
};

#define N_CASES (sizeof(CASES) / sizeof(CASES[0]))

/* Checks one case's outcome; name is what the messages must start with. */
static void check_case(size_t i, const char *name, int rc, const struct ml_options *got,
                       const char *err, int *failures)
{
    char want[ML_ERRBUF + ML_FILEPATH_MAX];

    if (rc != CASES[i].rc) {
        TU_ROW_FAIL(*failures, "%s [%s]: rc %d, want %d (err '%s')", CASES[i].what, name, rc,
                    CASES[i].rc, err);
        return;
    }
    if (rc == ML_OK) {
        struct ml_options exp;
        char perr[ML_ERRBUF];

        ml_options_defaults(&exp);
        assert_int_equal(ml_optstring_parse(CASES[i].expect, &exp, perr, sizeof(perr)), ML_OK);
        if (memcmp(&exp, got, sizeof(exp)) != 0)
            TU_ROW_FAIL(*failures, "%s [%s]: options differ from '%s' (interval %u log %d "
                                   "report '%s')",
                        CASES[i].what, name, CASES[i].expect, got->interval_s, (int)got->log,
                        got->report);
        return;
    }
    if (strchr(err, '\n') != NULL)
        TU_ROW_FAIL(*failures, "%s [%s]: message is not one line: '%s'", CASES[i].what, name,
                    err);
    if (CASES[i].match == EXACT) {
        snprintf(want, sizeof(want), "%s:%s: %s", name, CASES[i].where, CASES[i].msg);
        if (strcmp(err, want) != 0)
            TU_ROW_FAIL(*failures, "%s [%s]: message\n  '%s'\nwant\n  '%s'", CASES[i].what, name,
                        err, want);
    } else {
        snprintf(want, sizeof(want), "%s:%s: malformed YAML: ", name, CASES[i].where);
        if (strncmp(err, want, strlen(want)) != 0 || strstr(err, CASES[i].msg) == NULL)
            TU_ROW_FAIL(*failures, "%s [%s]: message\n  '%s'\nwant\n  '%s...%s...'",
                        CASES[i].what, name, err, want, CASES[i].msg);
    }
}

static void test_cases_buffer(void **state)
{
    struct fixture *f = *state;
    int failures = 0;

    for (size_t i = 0; i < N_CASES; i++) {
        struct ml_options o;
        int rc;

        ml_options_defaults(&o);
        f->err[0] = '\0';
        rc = ml_config_load_buffer("cfg.yaml", CASES[i].yaml, strlen(CASES[i].yaml), &o, f->err,
                                   sizeof(f->err));
        check_case(i, "cfg.yaml", rc, &o, f->err, &failures);
    }
    assert_int_equal(failures, 0);
}

static void test_cases_file(void **state)
{
    struct fixture *f = *state;
    int failures = 0;

    for (size_t i = 0; i < N_CASES; i++) {
        char name[64];
        char *path;
        struct ml_options o;
        int rc;

        snprintf(name, sizeof(name), "case-%zu.yaml", i);
        path = tu_join(f->dir, name);
        tu_write_file(path, CASES[i].yaml, strlen(CASES[i].yaml));
        ml_options_defaults(&o);
        f->err[0] = '\0';
        rc = ml_config_load(path, &o, f->err, sizeof(f->err));
        check_case(i, path, rc, &o, f->err, &failures);
        free(path);
    }
    assert_int_equal(failures, 0);
}

/* The buffer's length is what counts, not a NUL: bytes after len are ignored. */
static void test_buffer_length(void **state)
{
    struct fixture *f = *state;
    static const char text[] = "interval: 5\nlog: nonsense\n";

    assert_int_equal(ml_config_load_buffer("b", text, 12, &f->opts, f->err, sizeof(f->err)),
                     ML_OK);
    assert_int_equal(f->opts.interval_s, 5);
    assert_int_equal(f->opts.log, ML_LOG_INFO);
}

static void test_missing_file(void **state)
{
    struct fixture *f = *state;
    char *path = tu_join(f->dir, "nope.yaml");
    char want[ML_ERRBUF];

    assert_int_equal(ml_config_load(path, &f->opts, f->err, sizeof(f->err)), ML_ERR_IO);
    snprintf(want, sizeof(want), "%s: cannot read: No such file or directory", path);
    assert_string_equal(f->err, want);
    free(path);
}

static void test_directory(void **state)
{
    struct fixture *f = *state;
    char want[ML_ERRBUF];

    assert_int_equal(ml_config_load(f->dir, &f->opts, f->err, sizeof(f->err)), ML_ERR_IO);
    snprintf(want, sizeof(want), "%s: cannot read: Is a directory", f->dir);
    assert_string_equal(f->err, want);
}

struct unreadable_arg {
    const char *path;
};

static void load_in_child(void *arg, struct tu_result *res)
{
    const struct unreadable_arg *a = arg;
    struct ml_options o;

    ml_options_defaults(&o);
    res->rc = ml_config_load(a->path, &o, res->msg, sizeof(res->msg));
}

static void test_unreadable_file(void **state)
{
    struct fixture *f = *state;
    struct unreadable_arg a;
    struct tu_result res;
    char path[256], want[ML_ERRBUF];

    snprintf(path, sizeof(path), "%s/secret.yaml", f->dir);
    tu_write_file(path, "interval: 5\n", 12);
    assert_int_equal(chmod(path, 0000), 0);
    a.path = path;
    TU_RUN_CHILD(true, load_in_child, &a, &res);
    assert_int_equal(res.rc, ML_ERR_IO);
    snprintf(want, sizeof(want), "%s: cannot read: Permission denied", path);
    assert_string_equal(res.msg, want);
}

/* Exactly 1 MiB is read; one byte more is refused before parsing. */
static void test_size_bound(void **state)
{
    struct fixture *f = *state;
    char *path = tu_join(f->dir, "big.yaml");
    char *data = malloc(MIB + 2);
    static const char tail[] = "interval: 7\n";
    char want[ML_ERRBUF];

    assert_non_null(data);
    /* comment lines of 64 bytes, then the one key */
    for (size_t i = 0; i < MIB; i += 64) {
        memset(data + i, ' ', 64);
        data[i] = '#';
        data[i + 63] = '\n';
    }
    memcpy(data + MIB - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
    data[MIB - sizeof(tail)] = '\n';
    tu_write_file(path, data, MIB);
    assert_int_equal(ml_config_load(path, &f->opts, f->err, sizeof(f->err)), ML_OK);
    assert_int_equal(f->opts.interval_s, 7);

    data[MIB] = '\n';
    tu_write_file(path, data, MIB + 1);
    ml_options_defaults(&f->opts);
    assert_int_equal(ml_config_load(path, &f->opts, f->err, sizeof(f->err)), ML_ERR_CONFIG);
    snprintf(want, sizeof(want), "%s: larger than 1048576 bytes, not a metaleak configuration",
             path);
    assert_string_equal(f->err, want);
    assert_int_equal(f->opts.interval_s, 60);
    free(data);
    free(path);
}

/* Was a bug (fixed): a value holding a newline (a YAML literal block scalar, or "\n" in a
 * double-quoted string) is copied raw into the message, which then spans two lines; the
 * contract is ONE line on stderr. */
static void test_fixed_newline_in_message(void **state)
{
    struct fixture *f = *state;
    static const char *const texts[] = {"interval: |\n  5\n", "log: \"info\\nmore\"\n"};

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        ml_options_defaults(&f->opts);
        assert_int_equal(ml_config_load_buffer("cfg.yaml", texts[i], strlen(texts[i]), &f->opts,
                                               f->err, sizeof(f->err)),
                         ML_ERR_CONFIG);
        if (strchr(f->err, '\n') != NULL)
            fail_msg("message spans lines: '%s'", f->err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cases_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed_newline_in_message, setup, teardown),
    };

    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
