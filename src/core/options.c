/* Agent options: defaults and validation of one key=value. Every value goes through
 * ml_options_set, whichever its origin (optstring.c for the -agentpath string, config.c for the
 * YAML file), so both are checked by the same code and produce the same messages. */
#include "metaleak/options.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"
#include "metaleak/log.h"

enum key_kind { KEY_PATH, KEY_UINT, KEY_BOOL, KEY_LOG, KEY_PATHS, KEY_MBEAN };

struct key_def {
    const char *name;
    enum key_kind kind;
    unsigned min, max;  /* KEY_UINT range, inclusive */
};

static const struct key_def KEYS[] = {
    {"config", KEY_PATH, 0, 0},
    {"report", KEY_PATH, 0, 0},
    {"interval", KEY_UINT, 0, 86400},
    {"leak_gcs", KEY_UINT, 1, 1000},
    {"verify_on_exit", KEY_BOOL, 0, 0},
    {"log", KEY_LOG, 0, 0},
    {"max_loaders", KEY_UINT, 16, 10000000},
    {"history", KEY_UINT, 0, 1000000},
    {"paths", KEY_PATHS, 0, 0},
    {"path_budget", KEY_UINT, 10, 600000},
    {"max_pause", KEY_UINT, 0, 600000},
    {"exit_budget", KEY_UINT, 1000, 3600000},
    {"path_proof_after", KEY_UINT, 0, 86400},
    {"suspect_after", KEY_UINT, 0, 604800},
    {"mbean", KEY_MBEAN, 0, 0},
    {"metrics", KEY_PATH, 0, 0},
};

#define N_KEYS (sizeof(KEYS) / sizeof(KEYS[0]))

const char *ml_options_known_keys(void)
{
    return "config, report, interval, leak_gcs, verify_on_exit, log, max_loaders, history, "
           "paths, path_budget, max_pause, exit_budget, path_proof_after, suspect_after, mbean, "
           "metrics";
}

void ml_options_defaults(struct ml_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->interval_s = 60;
    opts->leak_gcs = 1;
    opts->verify_on_exit = true;
    opts->log = ML_LOG_INFO;
    opts->max_loaders = 100000;
    opts->history = 1000;
    opts->paths = true;
    opts->path_budget_ms = 10000;
    opts->max_pause_ms = 200;
    opts->exit_budget_ms = 10000;
    opts->path_proof_after_s = 300;
    opts->suspect_after_s = 600;
    opts->mbean = ML_MBEAN_AUTO;
}

const char *ml_log_level_name(enum ml_log_level level)
{
    switch (level) {
    case ML_LOG_QUIET:
        return "quiet";
    case ML_LOG_ERROR:
        return "error";
    case ML_LOG_WARN:
        return "warn";
    case ML_LOG_DEBUG:
        return "debug";
    case ML_LOG_INFO:
    default:
        return "info";
    }
}

const char *ml_mbean_mode_name(enum ml_mbean_mode mode)
{
    return mode == ML_MBEAN_ON ? "on" : mode == ML_MBEAN_OFF ? "off" : "auto";
}

static const struct key_def *find_key(const char *key)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(KEYS[i].name, key) == 0)
            return &KEYS[i];
    }
    return NULL;
}

/* Parses plain decimal digits into *out. Returns false on anything else or overflow. */
static bool parse_uint(const char *s, unsigned long long *out)
{
    unsigned long long v = 0;

    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        if (v > (ULLONG_MAX - 9) / 10)
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    *out = v;
    return true;
}

static int set_path(char *dst, const char *key, const char *value, const char *where, char *err,
                    size_t errlen)
{
    size_t len = strlen(value);

    if (len == 0) {
        snprintf(err, errlen, "%s: %s: empty path", where, key);
        return ML_ERR_CONFIG;
    }
    if (len >= ML_FILEPATH_MAX) {
        snprintf(err, errlen, "%s: %s: path is longer than %d bytes", where, key, ML_FILEPATH_MAX - 1);
        return ML_ERR_CONFIG;
    }
    memcpy(dst, value, len + 1);
    return ML_OK;
}

bool ml_options_is_key(const char *key)
{
    return find_key(key) != NULL;
}

int ml_options_set(struct ml_options *opts, const char *key, const char *value, const char *where,
                   char *err, size_t errlen)
{
    const struct key_def *def = find_key(key);
    unsigned long long n = 0;
    char shown[128];

    if (def == NULL) {
        snprintf(err, errlen, "%s: unknown key '%s' (known keys: %s)", where,
                 ml_printable(key, shown, sizeof(shown)), ml_options_known_keys());
        return ML_ERR_CONFIG;
    }
    /* Values appear in messages from here on, quoted and on one line. */
    value = value != NULL ? value : "";
    switch (def->kind) {
    case KEY_PATH:
        return set_path(strcmp(key, "config") == 0   ? opts->config
                        : strcmp(key, "metrics") == 0 ? opts->metrics
                                                      : opts->report,
                        key, value, where, err, errlen);
    case KEY_UINT:
        if (!parse_uint(value, &n)) {
            snprintf(err, errlen, "%s: %s: '%s' is not a whole number", where, key,
                     ml_printable(value, shown, sizeof(shown)));
            return ML_ERR_CONFIG;
        }
        if (n < def->min || n > def->max) {
            snprintf(err, errlen, "%s: %s: '%s' is out of range %u..%u", where, key,
                     ml_printable(value, shown, sizeof(shown)), def->min, def->max);
            return ML_ERR_CONFIG;
        }
        if (strcmp(key, "interval") == 0)
            opts->interval_s = (unsigned)n;
        else if (strcmp(key, "leak_gcs") == 0)
            opts->leak_gcs = (unsigned)n;
        else if (strcmp(key, "max_loaders") == 0)
            opts->max_loaders = (unsigned)n;
        else if (strcmp(key, "path_budget") == 0)
            opts->path_budget_ms = (unsigned)n;
        else if (strcmp(key, "max_pause") == 0)
            opts->max_pause_ms = (unsigned)n;
        else if (strcmp(key, "exit_budget") == 0)
            opts->exit_budget_ms = (unsigned)n;
        else if (strcmp(key, "path_proof_after") == 0)
            opts->path_proof_after_s = (unsigned)n;
        else if (strcmp(key, "suspect_after") == 0)
            opts->suspect_after_s = (unsigned)n;
        else
            opts->history = (unsigned)n;
        return ML_OK;
    case KEY_BOOL:
        if (strcmp(value, "true") == 0) {
            opts->verify_on_exit = true;
        } else if (strcmp(value, "false") == 0) {
            opts->verify_on_exit = false;
        } else {
            snprintf(err, errlen, "%s: %s: '%s' is not true or false", where, key,
                     ml_printable(value, shown, sizeof(shown)));
            return ML_ERR_CONFIG;
        }
        return ML_OK;
    case KEY_LOG: {
        static const enum ml_log_level levels[] = {ML_LOG_ERROR, ML_LOG_WARN, ML_LOG_INFO,
                                                   ML_LOG_DEBUG, ML_LOG_QUIET};

        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
            if (strcmp(value, ml_log_level_name(levels[i])) == 0) {
                opts->log = levels[i];
                return ML_OK;
            }
        }
        snprintf(err, errlen, "%s: %s: '%s' is not one of error, warn, info, debug (or quiet)",
                 where, key, ml_printable(value, shown, sizeof(shown)));
        return ML_ERR_CONFIG;
    }
    case KEY_MBEAN:
        if (strcmp(value, "auto") == 0) {
            opts->mbean = ML_MBEAN_AUTO;
        } else if (strcmp(value, "on") == 0) {
            opts->mbean = ML_MBEAN_ON;
        } else if (strcmp(value, "off") == 0) {
            opts->mbean = ML_MBEAN_OFF;
        } else {
            snprintf(err, errlen, "%s: %s: '%s' is not one of auto, on, off", where, key,
                     ml_printable(value, shown, sizeof(shown)));
            return ML_ERR_CONFIG;
        }
        return ML_OK;
    case KEY_PATHS:
        if (strcmp(value, "auto") == 0) {
            opts->paths = true;
        } else if (strcmp(value, "off") == 0) {
            opts->paths = false;
        } else {
            snprintf(err, errlen, "%s: %s: '%s' is not one of auto, off", where, key,
                     ml_printable(value, shown, sizeof(shown)));
            return ML_ERR_CONFIG;
        }
        return ML_OK;
    }
    return ML_ERR_CONFIG;
}
