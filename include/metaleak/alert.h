/* The text of alert lines (log.h prints them with the time and level in front): one line per
 * event an operator must hear of, in logfmt ("event=leak job=... cause=thread ..."), and the
 * rate limit for leak lines. docs/operations.md is the contract of the fields.
 *
 * Events:
 *   leak              a loader was proven leaked (WARN)
 *   leaks-suppressed  the leak lines held back by the rate limit, one line per window (WARN)
 *   metaspace         the Metaspace verdict changed (WARN, INFO back to healthy)
 *   oom               Metaspace or the class space ran out (ERROR)
 *
 * Pure module: no JNI/JVMTI. */
#ifndef METALEAK_ALERT_H
#define METALEAK_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "metaleak/cause.h"

#define ML_ALERT_MAX 2048              /* an alert's text, bytes with the NUL */

/* Leak lines: at most ML_ALERT_LEAK_BURST in any window of ML_ALERT_WINDOW_MS; the rest of the
 * window is counted and said in one "leaks-suppressed" line when the window ends. */
#define ML_ALERT_LEAK_BURST 10
#define ML_ALERT_WINDOW_MS 60000

/* A loader proven leaked. Strings may be NULL (left out of the line). */
struct ml_alert_leak {
    uint64_t loader_id;
    const char *job_id;        /* "" or NULL: not a Flink job's loader */
    const char *loader_class;
    const char *cause;         /* ml_cause_name(), NULL: no path (yet) */
    const char *path_status;   /* said when cause is NULL: "not-searched", "budget-exceeded"... */
    const char *holder;        /* a few words: ml_alert_holder() */
    const char *known;         /* known-leak id, NULL none */
    const char *proof;         /* "full-gc", "path" */
    uint64_t classes;          /* classes of the loader still loaded */
    int64_t metaspace_bytes;   /* -1 unmeasured */
    const char *report;        /* the report file */
};

/* The Metaspace verdict changed. */
struct ml_alert_metaspace {
    const char *verdict;       /* "healthy", "growing", "undersized", "leak" */
    const char *was;           /* the previous verdict */
    int64_t used_bytes, committed_bytes, max_bytes;   /* -1 unknown (max: unlimited) */
    uint64_t leaked_loaders;
    int64_t submissions_left;  /* -1 unknown */
    int64_t seconds_left;      /* -1 unknown */
    const char *reason;
    const char *report;
};

/* Metaspace (or the class space) ran out. */
struct ml_alert_oom {
    const char *space;         /* "metaspace", "compressed-class-space" */
    uint64_t count;            /* OutOfMemoryErrors so far */
    int64_t used_bytes, max_bytes;
    uint64_t leaked_loaders;
    const char *report;
};

/* The leak lines a window held back. */
struct ml_alert_held {
    uint64_t count;
    uint64_t classes;
    int64_t metaspace_bytes;   /* of the measured ones */
    int64_t window_ms;
};

/* Each writes the alert's text into out (ML_ALERT_MAX bytes or fewer: cut with "..."). */
void ml_alert_leak_text(const struct ml_alert_leak *a, char *out, size_t outlen);
void ml_alert_metaspace_text(const struct ml_alert_metaspace *a, char *out, size_t outlen);
void ml_alert_oom_text(const struct ml_alert_oom *a, char *out, size_t outlen);
void ml_alert_held_text(const struct ml_alert_held *a, const char *report, char *out,
                        size_t outlen);

/* What holds a leaked loader, in a few words, from its reference path: "thread 'pool-1' ->
 * io.acme.Sleeper", "static org.h2.Driver.registeredDrivers -> ...". "" when p has no steps. */
void ml_alert_holder(const struct ml_path *p, char *out, size_t outlen);

/* The rate limit of leak lines. Zero-initialise. */
struct ml_alert_limit {
    int64_t window_start_ms;   /* -1 / 0 before the first line */
    bool started;
    unsigned shown;            /* lines printed in this window */
    struct ml_alert_held held; /* counted, not printed, in this window */
};

/* True when a leak line may be printed at now_ms; false: it was counted as held (with its
 * classes and bytes). */
bool ml_alert_limit_admit(struct ml_alert_limit *lim, int64_t now_ms, uint64_t classes,
                          int64_t metaspace_bytes);

/* True when the held lines are due as one line: the window is over (or `flush`: the JVM
 * exits) and some were held. Fills out and starts over. */
bool ml_alert_limit_due(struct ml_alert_limit *lim, int64_t now_ms, bool flush,
                        struct ml_alert_held *out);

#endif
