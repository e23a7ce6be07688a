/* Parsing VM.metaspace show-loaders and VM.classloaders verbose (see mspaceparse.h). Both texts
 * are JVM output, read defensively: unknown lines are skipped, numbers are checked. */
#include "metaleak/mspaceparse.h"

#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"

/* Appends an entry for cld. */
static struct ml_mspace_entry *append(struct ml_mspace_table *t, uint64_t cld)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct ml_mspace_entry *grown = realloc(t->entries, cap * sizeof(*grown));

        if (grown == NULL)
            return NULL;
        t->entries = grown;
        t->cap = cap;
    }
    memset(&t->entries[t->n], 0, sizeof(t->entries[0]));
    t->entries[t->n].cld = cld;
    return &t->entries[t->n++];
}

static int by_cld_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct ml_mspace_entry *)a)->cld, y = ((const struct ml_mspace_entry *)b)->cld;

    return x < y ? -1 : x > y;
}

static int by_oop_cmp(const void *a, const void *b)
{
    const struct ml_mspace_entry *x = a, *y = b;

    if (x->has_oop != y->has_oop)
        return x->has_oop ? -1 : 1;
    return x->oop < y->oop ? -1 : x->oop > y->oop;
}

/* Reads an unsigned number (hex with 0x, else decimal) at *p, skipping blanks first. */
static bool number(const char **p, uint64_t *out)
{
    const char *s = *p;
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    *out = strtoull(s, &end, (s[0] == '0' && s[1] == 'x') ? 16 : 10);
    if (end == s)
        return false;
    *p = end;
    return true;
}

/* The line starting at p, as [p, end). */
static const char *line_end(const char *p)
{
    const char *nl = strchr(p, '\n');

    return nl == NULL ? p + strlen(p) : nl;
}

/* needle within the line [p, end), or NULL. (strstr would scan the rest of a text that holds
 * one line per loader: quadratic in the number of loaders.) */
static const char *in_line(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);

    for (; p + n <= end; p++) {
        if (*p == *needle && memcmp(p, needle, n) == 0)
            return p;
    }
    return NULL;
}

/* Finds "<number> bytes (" before `label` within [p, end) — e.g. label "used" in
 * "3432 bytes ( 84%) used". Returns false when absent. */
static bool bytes_before(const char *p, const char *end, const char *label, uint64_t *out)
{
    size_t llen = strlen(label);

    for (const char *q = p; q + llen <= end; q++) {
        const char *num;

        if (strncmp(q, label, llen) != 0 || q == p || q[-1] != ' ')
            continue;
        /* walk back over "( 84%) " to "bytes", then to the number */
        num = q;
        while (num > p && *num != 's')
            num--;
        if (num - 4 < p || strncmp(num - 4, "bytes", 5) != 0)
            continue;
        num -= 5;
        while (num > p && *num == ' ')
            num--;
        while (num > p && num[-1] >= '0' && num[-1] <= '9')
            num--;
        return number(&num, out);
    }
    return false;
}

int ml_mspace_parse_metaspace(const char *text, struct ml_mspace_table *t)
{
    const char *p = strstr(text, "Usage per loader:");
    struct ml_mspace_entry *cur = NULL;
    bool cur_has_both = false;

    if (p == NULL)
        return ML_ERR_CONFIG;
    for (; *p; p = *line_end(p) ? line_end(p) + 1 : line_end(p)) {
        const char *end = line_end(p);
        const char *cld = in_line(p, end, ": CLD 0x");

        if (cld != NULL) {
            uint64_t addr;
            const char *v = cld + 6;
            const char *cls = in_line(v, end, " class");

            if (!number(&v, &addr))
                continue;
            cur = append(t, addr);
            if (cur == NULL)
                return ML_ERR_NOMEM;
            cur_has_both = false;
            /* JDK 15+ says "<hidden class>", JDK 11 "<anonymous class>" (unsafe anonymous
             * classes: lambdas, method handles, reflection accessors). */
            cur->hidden = in_line(p, end, "<hidden class>") != NULL ||
                          in_line(p, end, "<anonymous class>") != NULL;
            if (cls != NULL) {
                const char *c = cls;

                while (c > p && c[-1] >= '0' && c[-1] <= '9')
                    c--;
                number(&c, &cur->classes);
            }
            continue;
        }
        if (cur == NULL)
            continue;
        /* "Both:" sums class and non-class space; without class space only "Non-Class:".
         * JDK 16+ prints the loader's committed bytes; JDK 11 (the old Metaspace, whose chunks
         * are committed whole) prints their capacity in its place. */
        if (in_line(p, end, "Both:") != NULL ||
            (!cur_has_both && in_line(p, end, "Non-Class:") != NULL)) {
            uint64_t used, committed;

            if (bytes_before(p, end, "used", &used) &&
                (bytes_before(p, end, "committed", &committed) ||
                 bytes_before(p, end, "capacity", &committed))) {
                cur->used_bytes = used;
                cur->committed_bytes = committed;
                cur_has_both = in_line(p, end, "Both:") != NULL;
            }
        }
        if (strncmp(p, "Total Usage", 11) == 0)
            break;
    }
    for (size_t i = 0; i < t->n; i++) {
        if (t->entries[i].hidden)
            t->hidden_used_bytes += t->entries[i].used_bytes;
    }
    t->reserved_bytes = -1;
    p = strstr(text, "Virtual space:");
    if (p != NULL && (p = strstr(p, "Both:")) != NULL) {
        uint64_t reserved;

        if (bytes_before(p, line_end(p), "reserved", &reserved))
            t->reserved_bytes = (int64_t)reserved;
    }
    if (t->n > 0)
        qsort(t->entries, t->n, sizeof(t->entries[0]), by_cld_cmp);
    return t->n > 0 ? ML_OK : ML_ERR_CONFIG;
}

int ml_mspace_parse_tree(const char *text, struct ml_mspace_table *t)
{
    const char *p = text;
    uint64_t oop = 0;
    bool have_oop = false, any = false;

    while ((p = strstr(p, "Loader ")) != NULL) {
        const char *v = p;

        if (strncmp(p, "Loader Oop:", 11) == 0) {
            v += 11;
            have_oop = number(&v, &oop);
        } else if (strncmp(p, "Loader Data:", 12) == 0 && have_oop) {
            uint64_t cld;

            v += 12;
            if (number(&v, &cld)) {
                struct ml_mspace_entry key = {.cld = cld};
                struct ml_mspace_entry *e =
                    t->n == 0 ? NULL : bsearch(&key, t->entries, t->n, sizeof(key), by_cld_cmp);

                /* A loader without Metaspace of its own has nothing to join. */
                if (e != NULL) {
                    e->oop = oop;
                    e->has_oop = true;
                }
                any = true;
            }
            have_oop = false;
        }
        p += 7;
    }
    /* From here on the table is looked up by oop. */
    if (t->n > 0)
        qsort(t->entries, t->n, sizeof(t->entries[0]), by_oop_cmp);
    return any ? ML_OK : ML_ERR_CONFIG;
}

const struct ml_mspace_entry *ml_mspace_find_oop(const struct ml_mspace_table *t, uint64_t oop)
{
    struct ml_mspace_entry key = {.oop = oop, .has_oop = true};

    return t->n == 0 ? NULL : bsearch(&key, t->entries, t->n, sizeof(key), by_oop_cmp);
}

void ml_mspace_free(struct ml_mspace_table *t)
{
    free(t->entries);
    memset(t, 0, sizeof(*t));
}
