/* The worst verdict, what to do first, and what a report cannot decide (see triage.h). */
#include "metaleak/triage.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metaleak/sizes.h"

#define MAX_IDS_SHOWN 8

enum ml_worst ml_report_verdict(const struct ml_rfile *rf)
{
    const char *v = rf->mspace_verdict;

    if (rf->leaked_loaders > 0 || (v != NULL && strcmp(v, "leak") == 0))
        return ML_WORST_LEAK;
    if (v == NULL)
        return ML_WORST_UNKNOWN;
    if (strcmp(v, "undersized") == 0)
        return ML_WORST_UNDERSIZED;
    if (strcmp(v, "growing") == 0)
        return ML_WORST_GROWING;
    if (strcmp(v, "healthy") == 0)
        return ML_WORST_HEALTHY;
    return ML_WORST_UNKNOWN;
}

enum ml_worst ml_worst_verdict(const struct ml_rfile *rfs, size_t n, size_t *worst_report)
{
    enum ml_worst worst = ML_WORST_UNKNOWN;

    if (worst_report != NULL)
        *worst_report = 0;
    for (size_t r = 0; r < n; r++) {
        enum ml_worst w = ml_report_verdict(&rfs[r]);

        if (w > worst) {
            worst = w;
            if (worst_report != NULL)
                *worst_report = r;
        }
    }
    return worst;
}

const char *ml_worst_name(enum ml_worst w)
{
    switch (w) {
    case ML_WORST_LEAK:
        return "leak";
    case ML_WORST_UNDERSIZED:
        return "undersized";
    case ML_WORST_GROWING:
        return "growing";
    case ML_WORST_HEALTHY:
        return "healthy";
    default:
        return "unknown";
    }
}

int64_t ml_oom_total(const struct ml_rfile *rfs, size_t n)
{
    int64_t total = 0;

    for (size_t r = 0; r < n; r++)
        total += rfs[r].oom_count > 0 ? rfs[r].oom_count : 0;
    return total;
}

static const char *conf_value(const struct ml_rfile *rf, const char *key)
{
    for (size_t i = 0; i < rf->n_flink_config; i++) {
        if (strcmp(rf->flink_config[i].key, key) == 0)
            return rf->flink_config[i].value;
    }
    return NULL;
}

static void leak_action(const struct ml_lgroups *groups, char *buf, size_t len)
{
    const struct ml_lgroup *g = groups->n > 0 ? &groups->g[0] : NULL;
    char size[32];

    if (g == NULL) {
        snprintf(buf, len, "find what holds the leaked loaders (the reports list none)");
        return;
    }
    if (g->metaspace_bytes >= 0)
        ml_format_size(g->metaspace_bytes, size, sizeof(size));
    if (g->known != NULL)
        snprintf(buf, len, "fix known leak %s (%s): %" PRIu64 " leaked loader(s)%s%s, "
                           "its upstream fix and workaround below",
                 g->known->id, g->known->title ? g->known->title : "see below", g->loaders,
                 g->metaspace_bytes >= 0 ? " hold " : "", g->metaspace_bytes >= 0 ? size : "");
    else if (g->cause != NULL)
        snprintf(buf, len, "fix the %s leak: %" PRIu64 " leaked loader(s)%s%s%s, its path and fix "
                           "below",
                 g->cause, g->loaders, g->metaspace_bytes >= 0 ? " hold " : "",
                 g->metaspace_bytes >= 0 ? size : "",
                 groups->n > 1 ? " (the largest of the leaks)" : "");
    else
        snprintf(buf, len, "find what holds the %" PRIu64 " leaked %s loader(s)%s%s: the report "
                           "has no reference path (%s)",
                 g->loaders, g->example->class_name, g->metaspace_bytes >= 0 ? " holding " : "",
                 g->metaspace_bytes >= 0 ? size : "",
                 g->example->path_status == NULL
                     ? "an agent older than 0.2.0 searches none: update the agent"
                 : strcmp(g->example->path_status, "off") == 0
                     ? "the agent ran with paths=off: run it with paths=auto, the default"
                 : strcmp(g->example->path_status, "deferred") == 0
                     ? "a heap walk would pause the JVM longer than max_pause: run `metaleak "
                       "attach PID` for the search, or read the exit report"
                     : "the path search did not find one: take a heap dump");
}

const char *ml_first_action(const struct ml_rfile *rfs, size_t n, const struct ml_lgroups *groups,
                            char *buf, size_t len)
{
    size_t worst_at = 0;
    enum ml_worst w = ml_worst_verdict(rfs, n, &worst_at);
    const struct ml_rfile *rf = n > 0 ? &rfs[worst_at] : NULL;
    const char *size;
    char max[32];

    switch (w) {
    case ML_WORST_LEAK:
        leak_action(groups, buf, len);
        break;
    case ML_WORST_UNDERSIZED:
        size = conf_value(rf, "taskmanager.memory.jvm-metaspace.size");
        if (rf->has_flink_config)
            snprintf(buf, len, "raise taskmanager.memory.jvm-metaspace.size (now %s): no class "
                               "loader leaked, the jobs need more Metaspace than the limit",
                     size != NULL ? size
                                  : ml_format_size(rf->metaspace_max, max, sizeof(max)));
        else
            snprintf(buf, len, "raise -XX:MaxMetaspaceSize (now %s): no class loader leaked, the "
                               "application needs more Metaspace than the limit",
                     ml_format_size(rf->metaspace_max, max, sizeof(max)));
        break;
    case ML_WORST_GROWING:
        snprintf(buf, len, "compare the top loaders of an earlier and a later report "
                           "(metaleak diff OLD NEW): Metaspace grows after full collections "
                           "without a proven leak%s",
                 rf->loaders_suspect > 0 ? "; start with the suspect loaders" : "");
        break;
    case ML_WORST_HEALTHY:
        snprintf(buf, len, "nothing to do: no leaked class loader and Metaspace is stable");
        break;
    default:
        snprintf(buf, len, "no leaked class loader; no Metaspace verdict in %s (an early 0.1.0 "
                           "agent): update the agent for one",
                 n == 1 ? "this report" : "these reports");
        break;
    }
    return buf;
}

static void append(char *buf, size_t len, const char *text)
{
    size_t used = strlen(buf);

    if (used + 1 < len)
        snprintf(buf + used, len - used, "%s%s", used > 0 ? "; " : "", text);
}

bool ml_undecided(const struct ml_rfile *rf, char *buf, size_t len)
{
    bool exit_report = strcmp(rf->trigger, "exit") == 0;
    bool can_prove = rf->n_full_collectors != 0; /* -1 (unknown): assume it can */
    uint64_t closed = 0, ids[MAX_IDS_SHOWN];
    size_t n_ids = 0;
    char part[512];

    buf[0] = '\0';
    if (!(exit_report && can_prove && rf->verify_on_exit != 0)) {
        for (size_t i = 0; i < rf->n_loaders; i++) {
            const struct ml_rloader *l = &rf->loaders[i];

            if (strcmp(l->state, "closed") != 0 || l->awaiting_unload ||
                (l->role != NULL && strcmp(l->role, "safety-net-wrapper") == 0))
                continue;
            if (n_ids < MAX_IDS_SHOWN)
                ids[n_ids++] = l->id;
            closed++;
        }
    }
    if (closed > 0) {
        size_t o = (size_t)snprintf(part, sizeof(part), "%" PRIu64 " released loader(s) without a "
                                                        "verdict yet (ids",
                                    closed);

        for (size_t i = 0; i < n_ids && o < sizeof(part); i++)
            o += (size_t)snprintf(part + o, sizeof(part) - o, "%s%" PRIu64, i ? ", " : " ", ids[i]);
        if (o < sizeof(part))
            snprintf(part + o, sizeof(part) - o, "%s): %s", closed > n_ids ? ", ..." : "",
                     !can_prove ? "the collector never proves a leak (gc.full_collectors is "
                                  "empty, see docs/gc.md)"
                     : exit_report ? "the exit report of a JVM run with verify_on_exit=false"
                                   : "not the exit report; gate on the exit report, written "
                                     "after the agent's last collections");
        append(buf, len, part);
    }
    if (rf->dropped_loaders > 0) {
        snprintf(part, sizeof(part), "%" PRId64 " loader(s) not tracked (dropped.loaders: the "
                                     "agent's max_loaders was reached)",
                 rf->dropped_loaders);
        append(buf, len, part);
    }
    if (rf->mspace_verdict == NULL) {
        snprintf(part, sizeof(part), "no Metaspace verdict (an early agent, version %s)",
                 rf->agent_version ? rf->agent_version : "version unknown");
        append(buf, len, part);
    }
    return buf[0] != '\0';
}
