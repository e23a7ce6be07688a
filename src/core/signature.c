/* The signature of a leak's reference path (see signature.h). */
#include "metaleak/signature.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define TOKEN_TEXT_MAX 1024        /* a token beyond this is cut (a class name of 1000+ bytes) */
#define TEXT_MAX (64 * 1024)       /* the whole canonical text, likewise */

static const char *const VERSION = "metaleak-signature/1\n";

const char *ml_root_kind_name(enum ml_root_kind kind)
{
    switch (kind) {
    case ML_ROOT_THREAD:
        return "thread";
    case ML_ROOT_STACK_LOCAL:
        return "stack-local";
    case ML_ROOT_JNI_LOCAL:
        return "jni-local";
    case ML_ROOT_JNI_GLOBAL:
        return "jni-global";
    case ML_ROOT_CLASS:
        return "class";
    case ML_ROOT_MONITOR:
        return "monitor";
    case ML_ROOT_OTHER:
        return "other";
    case ML_ROOT_SHUTDOWN_HOOK:
        return "shutdown-hook";
    case ML_ROOT_NONE:
        break;
    }
    return NULL;
}

enum ml_root_kind ml_root_kind_parse(const char *name)
{
    for (int k = ML_ROOT_THREAD; k <= ML_ROOT_SHUTDOWN_HOOK; k++)
        if (name != NULL && strcmp(name, ml_root_kind_name((enum ml_root_kind)k)) == 0)
            return (enum ml_root_kind)k;
    return ML_ROOT_NONE;
}

static bool starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static enum ml_root_kind root_of(const struct ml_step *s)
{
    switch (s->ref) {
    case ML_REF_ROOT_THREAD:
    case ML_REF_ANCHOR_THREAD:
        return ML_ROOT_THREAD;
    case ML_REF_ROOT_STACK_LOCAL:
        return ML_ROOT_STACK_LOCAL;
    case ML_REF_ROOT_JNI_LOCAL:
        return ML_ROOT_JNI_LOCAL;
    case ML_REF_ROOT_JNI_GLOBAL:
        return ML_ROOT_JNI_GLOBAL;
    case ML_REF_ROOT_SYSTEM_CLASS:
    case ML_REF_ANCHOR_CLASS:
        return ML_ROOT_CLASS;
    case ML_REF_ROOT_MONITOR:
        return ML_ROOT_MONITOR;
    default:
        return s->object == ML_OBJ_THREAD ? ML_ROOT_THREAD : ML_ROOT_OTHER;
    }
}

void ml_path_view(const struct ml_path *p, struct ml_path_view *view)
{
    const struct ml_step *s0;

    memset(view, 0, sizeof(*view));
    if (p == NULL || p->n_steps == 0)
        return;
    view->owned = p->n_steps;
    for (size_t i = 0; i < p->n_steps; i++)
        if (p->steps[i].owned) {
            view->owned = i;
            break;
        }
    /* A hook the agent marked (a registered hook, or one the JVM is running at exit). */
    for (size_t i = 0; i < p->n_steps && i <= view->owned; i++)
        if (p->steps[i].hook) {
            view->root = ML_ROOT_SHUTDOWN_HOOK;
            view->start = i;
        }
    if (view->root == ML_ROOT_SHUTDOWN_HOOK)
        return;
    /* The JDK's list of hooks (ApplicationShutdownHooks.hooks, or the local runHooks moved it
     * into): the hook is the element of the map's table. */
    s0 = &p->steps[0];
    if ((root_of(s0) == ML_ROOT_CLASS && s0->class_name != NULL &&
         strcmp(s0->class_name, "java.lang.ApplicationShutdownHooks") == 0) ||
        starts_with(s0->method, "java.lang.ApplicationShutdownHooks.")) {
        for (size_t i = 1; i < p->n_steps && i <= view->owned; i++)
            if (p->steps[i].ref == ML_REF_ARRAY_ELEMENT) {
                view->root = ML_ROOT_SHUTDOWN_HOOK;
                view->start = i;
                return;
            }
    }
    view->root = root_of(s0);
    view->start = 0;
}

/* ---- the canonical text, hashed as it is produced ---- */

struct canon {
    uint64_t hash;             /* FNV-1a over VERSION and the canonical text */
    char tok[TOKEN_TEXT_MAX];  /* the token being built (cut at TOKEN_TEXT_MAX - 1 bytes) */
    size_t tok_len;
    char prev[TOKEN_TEXT_MAX]; /* the last token emitted */
    size_t prev_len;
    bool have_prev;
    char *text;                /* NULL: hash only */
    size_t text_len;
};

static uint64_t fnv(uint64_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

static void tok_char(struct canon *c, char ch)
{
    if (c->tok_len < sizeof(c->tok) - 1)
        c->tok[c->tok_len++] = ch;
}

static void tok_str(struct canon *c, const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        tok_char(c, *s);
}

static void tok_begin(struct canon *c)
{
    c->tok_len = 0;
}

/* Emits the token built since tok_begin and a newline, unless it equals the one before. */
static void tok_end(struct canon *c)
{
    if (c->have_prev && c->tok_len == c->prev_len && memcmp(c->tok, c->prev, c->tok_len) == 0)
        return;
    c->have_prev = true;
    memcpy(c->prev, c->tok, c->tok_len);
    c->prev_len = c->tok_len;
    for (size_t i = 0; i < c->tok_len; i++)
        c->hash = fnv(c->hash, (unsigned char)c->tok[i]);
    c->hash = fnv(c->hash, '\n');
    if (c->text != NULL && c->text_len + c->tok_len + 2 < TEXT_MAX) {
        memcpy(c->text + c->text_len, c->tok, c->tok_len);
        c->text_len += c->tok_len;
        c->text[c->text_len++] = '\n';
        c->text[c->text_len] = '\0';
    }
}

static bool is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static const char *skip_digits(const char *s)
{
    while (is_digit(*s))
        s++;
    return s;
}

/* A class (or "pkg.Class.method") name without what differs between runs: hidden-class
 * suffixes ("/0x..." and ".0x..."), lambda and proxy numbers, generated accessor numbers. */
static void tok_class(struct canon *c, const char *name)
{
    static const char *const numbered[] = {"$$Lambda$", "$$Lambda", "$Proxy", "jdk.proxy",
                                           "GeneratedMethodAccessor",
                                           "GeneratedConstructorAccessor",
                                           "GeneratedSerializationConstructorAccessor"};
    const char *s = name;

    if (s == NULL) {
        tok_char(c, '?');
        return;
    }
    while (*s != '\0') {
        bool done = false;

        if ((*s == '/' || *s == '.') && s[1] == '0' && s[2] == 'x' && is_hex(s[3])) {
            s += 3;
            while (is_hex(*s))
                s++;
            continue;
        }
        for (size_t k = 0; k < sizeof(numbered) / sizeof(numbered[0]) && !done; k++) {
            size_t len = strlen(numbered[k]);

            if (strncmp(s, numbered[k], len) == 0) {
                const char *end = skip_digits(s + len);

                /* "$$Lambda$14" and "$$Lambda" both become "$$Lambda". */
                size_t keep = numbered[k][len - 1] == '$' && end > s + len ? len - 1 : len;

                for (size_t i = 0; i < keep; i++)
                    tok_char(c, s[i]);
                s = end;
                done = true;
            }
        }
        if (!done)
            tok_char(c, *s++);
    }
}

/* A thread name without numbers and ids: runs of 8 or more hex digits with a decimal digit among
 * them, and runs of decimal digits, become '#'. */
static void tok_thread_name(struct canon *c, const char *name)
{
    const char *s = name;

    while (s != NULL && *s != '\0') {
        const char *e = s;
        bool digit = false;

        while (is_hex(*e)) {
            digit = digit || is_digit(*e);
            e++;
        }
        if (e - s >= 8 && digit && (s == name || !is_hex(s[-1]))) {
            tok_char(c, '#');
            s = e;
        } else if (is_digit(*s)) {
            tok_char(c, '#');
            s = skip_digits(s);
        } else {
            tok_char(c, *s++);
        }
    }
}

static bool jdk_class(const char *name)
{
    return starts_with(name, "java.") || starts_with(name, "javax.") ||
           starts_with(name, "jdk.") || starts_with(name, "sun.") ||
           starts_with(name, "com.sun.");
}

bool ml_signature_is_container(const char *class_name)
{
    static const char *const words[] = {"Map", "Set", "List", "Queue", "Deque", "Table", "Node",
                                        "Entry", "Vector", "Stack", "Bucket", "Segment",
                                        "Collection", "Bin"};
    const char *simple;
    size_t len;

    if (class_name == NULL)
        return false;
    len = strlen(class_name);
    if (len >= 2 && strcmp(class_name + len - 2, "[]") == 0)
        return true;
    simple = strrchr(class_name, '.');
    simple = simple != NULL ? simple + 1 : class_name;
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
        const char *w = strstr(simple, words[k]);

        /* A word of the camel-case name ("HashMap$Node", "LRUMap"), not a part of one
         * ("Bitmap", "Binary", "Tablet"): it ends the name or is followed by '$', an upper-case
         * letter or a digit. */
        while (w != NULL) {
            char after = w[strlen(words[k])];

            if (after == '\0' || after == '$' || (after >= 'A' && after <= 'Z') || is_digit(after))
                return true;
            w = strstr(w + 1, words[k]);
        }
    }
    return false;
}

/* What an object is, for the first step of the durable part and the owned step. */
static void tok_object(struct canon *c, const struct ml_step *s)
{
    switch (s->object) {
    case ML_OBJ_CLASS:
        tok_str(c, "class ");
        break;
    case ML_OBJ_LOADER:
        tok_str(c, "loader ");
        break;
    case ML_OBJ_THREAD:
    case ML_OBJ_INSTANCE:
        break;
    }
    tok_class(c, s->class_name);
}

static void emit_start(struct canon *c, const struct ml_path *p, const struct ml_path_view *v)
{
    const struct ml_step *s = &p->steps[v->start];

    tok_begin(c);
    tok_str(c, "root ");
    tok_str(c, ml_root_kind_name(v->root));
    tok_end(c);
    if (v->root == ML_ROOT_STACK_LOCAL || v->root == ML_ROOT_JNI_LOCAL) {
        tok_begin(c);
        tok_str(c, "in ");
        tok_class(c, s->method);
        tok_end(c);
    }
    /* The name of a thread of a JDK class (java.lang.Thread mostly) is what tells it apart
     * from the other threads of its class; a library's thread class says enough (and its name
     * may carry a file name, a host, a job name). A hook is named only once the JVM has started
     * it: left out. A stack's thread is named whatever its class. */
    if (s->thread != NULL &&
        (((v->root == ML_ROOT_THREAD) && jdk_class(s->class_name)) ||
         v->root == ML_ROOT_STACK_LOCAL || v->root == ML_ROOT_JNI_LOCAL)) {
        tok_begin(c);
        tok_str(c, "thread '");
        tok_thread_name(c, s->thread);
        tok_char(c, '\'');
        tok_end(c);
    }
    tok_begin(c);
    if (v->start == v->owned)
        tok_str(c, "owned ");
    tok_object(c, s);
    tok_end(c);
}

/* The reference from step i-1 (the holder) to step i. */
static void emit_edge(struct canon *c, const struct ml_path *p, size_t i)
{
    const struct ml_step *holder = &p->steps[i - 1], *s = &p->steps[i];

    tok_begin(c);
    /* A class's static field is never a collection hop, whatever the class is called. */
    if (holder->object != ML_OBJ_CLASS && ml_signature_is_container(holder->class_name)) {
        const char *n = holder->class_name;
        size_t len = n != NULL ? strlen(n) : 0;

        if (n == NULL || jdk_class(n) || (len >= 2 && strcmp(n + len - 2, "[]") == 0)) {
            tok_char(c, '~');
        } else {
            tok_str(c, "~ ");
            tok_class(c, n);
        }
    } else {
        tok_class(c, holder->class_name);
        if (s->ref == ML_REF_FIELD || s->ref == ML_REF_STATIC_FIELD) {
            tok_char(c, '.');
            tok_str(c, s->field != NULL ? s->field : "?");
        } else {
            tok_str(c, " (");
            tok_str(c, ml_ref_name(s->ref));
            tok_char(c, ')');
        }
    }
    tok_end(c);
}

static bool canonical(const struct ml_path *p, struct canon *c)
{
    struct ml_path_view v;
    size_t last;

    ml_path_view(p, &v);
    if (v.root == ML_ROOT_NONE)
        return false;
    c->hash = FNV_OFFSET;
    for (const char *s = VERSION; *s != '\0'; s++)
        c->hash = fnv(c->hash, (unsigned char)*s);
    emit_start(c, p, &v);
    last = v.owned < p->n_steps ? v.owned : p->n_steps - 1;
    for (size_t i = v.start + 1; i <= last && v.start < v.owned; i++) {
        emit_edge(c, p, i);
        if (i == v.owned) {
            tok_begin(c);
            tok_str(c, "owned ");
            tok_object(c, &p->steps[i]);
            tok_end(c);
        }
    }
    return true;
}

bool ml_path_signature(const struct ml_path *p, char out[ML_SIGNATURE_LEN + 1])
{
    struct canon *c = calloc(1, sizeof(*c));
    bool ok;

    out[0] = '\0';
    if (c == NULL)
        return false;
    ok = canonical(p, c);
    if (ok)
        snprintf(out, ML_SIGNATURE_LEN + 1, "%016llx", (unsigned long long)c->hash);
    free(c);
    return ok;
}

char *ml_path_signature_text(const struct ml_path *p)
{
    struct canon *c = calloc(1, sizeof(*c));
    char *out = NULL;

    if (c == NULL)
        return NULL;
    c->text = malloc(TEXT_MAX);
    if (c->text == NULL)
        goto cleanup;
    c->text[0] = '\0';
    if (!canonical(p, c))
        goto cleanup;
    out = c->text;
    c->text = NULL;
cleanup:
    free(c->text);
    free(c);
    return out;
}
