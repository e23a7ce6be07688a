/* Alert texts in logfmt and the leak-line rate limit (alert.h; docs/operations.md). */
#include "metaleak/alert.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* An output buffer that never overflows: a text that does not fit ends in "...". */
struct out {
    char *buf;
    size_t len, cap;
    bool cut;
};

static void put_char(struct out *o, char c)
{
    if (o->cut)
        return;
    if (o->len + 4 >= o->cap) {
        if (o->cap >= 4) {
            memcpy(o->buf + o->len, "...", 3);
            o->len += 3;
        }
        o->cut = true;
        return;
    }
    o->buf[o->len++] = c;
    o->buf[o->len] = '\0';
}

static void put_raw(struct out *o, const char *s)
{
    for (; *s != '\0'; s++)
        put_char(o, *s);
}

/* A value is quoted when it is empty or has a space, '=', '"', '\' or a control character;
 * inside quotes '"' and '\' are escaped and control characters become '?'. */
static bool needs_quotes(const char *v)
{
    if (*v == '\0')
        return true;
    for (; *v != '\0'; v++)
        if ((unsigned char)*v <= ' ' || *v == '=' || *v == '"' || *v == '\\' || *v == 0x7f)
            return true;
    return false;
}

static void kv_str(struct out *o, const char *key, const char *value)
{
    bool quote;

    if (value == NULL)
        return;
    quote = needs_quotes(value);
    if (o->len > 0)
        put_char(o, ' ');
    put_raw(o, key);
    put_char(o, '=');
    if (quote)
        put_char(o, '"');
    for (const char *v = value; *v != '\0'; v++) {
        unsigned char c = (unsigned char)*v;

        if (c == '"' || c == '\\') {
            put_char(o, '\\');
            put_char(o, (char)c);
        } else {
            put_char(o, c < 0x20 || c == 0x7f ? '?' : (char)c);
        }
    }
    if (quote)
        put_char(o, '"');
}

static void kv_int(struct out *o, const char *key, int64_t v)
{
    char num[32];

    snprintf(num, sizeof(num), "%" PRId64, v);
    kv_str(o, key, num);
}

/* Left out when negative (unknown). */
static void kv_opt(struct out *o, const char *key, int64_t v)
{
    if (v >= 0)
        kv_int(o, key, v);
}

static void kv_uint(struct out *o, const char *key, uint64_t v)
{
    char num[32];

    snprintf(num, sizeof(num), "%" PRIu64, v);
    kv_str(o, key, num);
}

static struct out begin(char *buf, size_t cap)
{
    struct out o = {buf, 0, cap, false};

    if (cap > 0)
        buf[0] = '\0';
    return o;
}

void ml_alert_leak_text(const struct ml_alert_leak *a, char *out, size_t outlen)
{
    struct out o = begin(out, outlen);

    kv_str(&o, "event", "leak");
    kv_str(&o, "job", a->job_id != NULL && a->job_id[0] != '\0' ? a->job_id : NULL);
    kv_uint(&o, "loader", a->loader_id);
    kv_str(&o, "class", a->loader_class);
    kv_str(&o, "cause", a->cause != NULL ? a->cause : "unknown");
    if (a->cause == NULL)
        kv_str(&o, "path", a->path_status);
    kv_str(&o, "holder", a->holder != NULL && a->holder[0] != '\0' ? a->holder : NULL);
    kv_str(&o, "known", a->known);
    kv_uint(&o, "classes", a->classes);
    kv_opt(&o, "metaspace_bytes", a->metaspace_bytes);
    kv_str(&o, "proof", a->proof);
    kv_str(&o, "report", a->report);
}

void ml_alert_metaspace_text(const struct ml_alert_metaspace *a, char *out, size_t outlen)
{
    struct out o = begin(out, outlen);

    kv_str(&o, "event", "metaspace");
    kv_str(&o, "verdict", a->verdict);
    kv_str(&o, "was", a->was);
    kv_opt(&o, "used_bytes", a->used_bytes);
    kv_opt(&o, "committed_bytes", a->committed_bytes);
    kv_opt(&o, "max_bytes", a->max_bytes);
    kv_uint(&o, "leaked_loaders", a->leaked_loaders);
    kv_opt(&o, "submissions_left", a->submissions_left);
    kv_opt(&o, "seconds_left", a->seconds_left);
    kv_str(&o, "reason", a->reason);
    kv_str(&o, "report", a->report);
}

void ml_alert_oom_text(const struct ml_alert_oom *a, char *out, size_t outlen)
{
    struct out o = begin(out, outlen);

    kv_str(&o, "event", "oom");
    kv_str(&o, "space", a->space);
    kv_uint(&o, "count", a->count);
    kv_opt(&o, "used_bytes", a->used_bytes);
    kv_opt(&o, "max_bytes", a->max_bytes);
    kv_uint(&o, "leaked_loaders", a->leaked_loaders);
    kv_str(&o, "report", a->report);
}

void ml_alert_held_text(const struct ml_alert_held *a, const char *report, char *out,
                        size_t outlen)
{
    struct out o = begin(out, outlen);

    kv_str(&o, "event", "leaks-suppressed");
    kv_uint(&o, "count", a->count);
    kv_uint(&o, "classes", a->classes);
    kv_opt(&o, "metaspace_bytes", a->metaspace_bytes);
    kv_int(&o, "window_s", a->window_ms / 1000);
    kv_str(&o, "report", report);
}

/* ---- the holder in a few words ---- */

static const char *first_thread(const struct ml_path *p)
{
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].thread != NULL)
            return p->steps[i].thread;
    return NULL;
}

static void put_thread(struct out *o, const char *what, const char *thread)
{
    put_raw(o, what);
    if (thread != NULL) {
        put_raw(o, " '");
        put_raw(o, thread);
        put_char(o, '\'');
    }
}

/* The last step before the first owned one (the object outside the job that holds it). */
static const struct ml_step *last_outside(const struct ml_path *p, size_t *at)
{
    size_t i = 0;

    while (i + 1 < p->n_steps && !p->steps[i + 1].owned)
        i++;
    *at = i;
    return &p->steps[i];
}

static void holder_of(struct out *o, const struct ml_path *p)
{
    size_t at;
    const struct ml_step *outside = last_outside(p, &at);

    switch (p->cause) {
    case ML_CAUSE_THREAD:
        put_thread(o, "thread", first_thread(p));
        return;
    case ML_CAUSE_THREAD_LOCAL:
        put_thread(o, "ThreadLocal on thread", first_thread(p));
        return;
    case ML_CAUSE_TIMER:
        put_thread(o, "timer thread", first_thread(p));
        return;
    case ML_CAUSE_JDBC_DRIVER:
        put_raw(o, "java.sql.DriverManager");
        return;
    case ML_CAUSE_SHUTDOWN_HOOK:
        for (size_t i = 0; i < p->n_steps; i++) {
            if (p->steps[i].hook) {
                put_thread(o, "shutdown hook", p->steps[i].thread);
                return;
            }
        }
        put_raw(o, "shutdown hook");
        return;
    case ML_CAUSE_MBEAN:
        put_raw(o, "platform MBean server");
        return;
    case ML_CAUSE_JNI_GLOBAL:
        put_raw(o, "JNI global reference");
        return;
    case ML_CAUSE_STATIC_FIELD:
        for (size_t i = 1; i < p->n_steps; i++) {
            if (p->steps[i].ref == ML_REF_STATIC_FIELD && !p->steps[i - 1].owned) {
                put_raw(o, "static ");
                put_raw(o, p->steps[i - 1].class_name != NULL ? p->steps[i - 1].class_name : "?");
                put_char(o, '.');
                put_raw(o, p->steps[i].field != NULL ? p->steps[i].field : "?");
                return;
            }
        }
        break;
    case ML_CAUSE_OTHER:
    case ML_CAUSE_NONE:
        break;
    }
    put_raw(o, outside->class_name != NULL ? outside->class_name : "?");
    if (at + 1 < p->n_steps && p->steps[at + 1].field != NULL) {
        put_char(o, '.');
        put_raw(o, p->steps[at + 1].field);
    }
}

void ml_alert_holder(const struct ml_path *p, char *out, size_t outlen)
{
    struct out o = begin(out, outlen > 200 ? 200 : outlen);
    const struct ml_step *owned;

    if (p == NULL || p->n_steps == 0)
        return;
    holder_of(&o, p);
    owned = &p->steps[p->n_steps - 1];
    for (size_t i = 0; i < p->n_steps; i++) {
        if (p->steps[i].owned) {
            owned = &p->steps[i];
            break;
        }
    }
    if (owned->class_name != NULL && owned->owned) {
        put_raw(&o, " -> ");
        put_raw(&o, owned->class_name);
    }
}

/* ---- the rate limit ---- */

bool ml_alert_limit_admit(struct ml_alert_limit *lim, int64_t now_ms, uint64_t classes,
                          int64_t metaspace_bytes)
{
    if (!lim->started || now_ms - lim->window_start_ms >= ML_ALERT_WINDOW_MS) {
        if (lim->held.count == 0) {
            /* A new window (held lines of the old one are said by ml_alert_limit_due first). */
            lim->started = true;
            lim->window_start_ms = now_ms;
            lim->shown = 0;
        }
    }
    if (lim->shown < ML_ALERT_LEAK_BURST && lim->held.count == 0) {
        lim->shown++;
        return true;
    }
    lim->held.count++;
    lim->held.classes += classes;
    if (metaspace_bytes > 0)
        lim->held.metaspace_bytes += metaspace_bytes;
    return false;
}

bool ml_alert_limit_due(struct ml_alert_limit *lim, int64_t now_ms, bool flush,
                        struct ml_alert_held *out)
{
    if (lim->held.count == 0 || (!flush && now_ms - lim->window_start_ms < ML_ALERT_WINDOW_MS))
        return false;
    *out = lim->held;
    out->window_ms = now_ms - lim->window_start_ms;
    memset(&lim->held, 0, sizeof(lim->held));
    /* The next window starts now, with the summary line as its first line. */
    lim->window_start_ms = now_ms;
    lim->shown = 1;
    return true;
}
