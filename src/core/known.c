/* Matching a reference path against the known-leaks catalogue (see known.h). The catalogue
 * itself is generated from data/known-leaks.yaml (known_data.c, which defines
 * ml_known_builtin); reading the YAML is known_load.c. */
#include "metaleak/known.h"

#include <string.h>

bool ml_known_glob(const char *pattern, const char *text)
{
    const char *star = NULL, *resume = NULL;

    if (pattern == NULL || text == NULL)
        return false;
    /* Iterative glob with one backtrack point: linear in practice, no recursion. */
    while (*text != '\0') {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern == *text) {
            pattern++;
            text++;
        } else if (star != NULL) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

bool ml_known_class_matches(const char *pattern, const char *class_name)
{
    if (pattern == NULL || class_name == NULL)
        return false;
    if (ml_known_glob(pattern, class_name))
        return true;
    for (const char *dot = strchr(class_name, '.'); dot != NULL; dot = strchr(dot + 1, '.'))
        if (ml_known_glob(pattern, dot + 1))
            return true;
    return false;
}

static bool any_class(const char *const *list, const char *name)
{
    for (; *list != NULL; list++)
        if (ml_known_class_matches(*list, name))
            return true;
    return false;
}

static bool any_glob(const char *const *list, const char *text)
{
    for (; *list != NULL; list++)
        if (ml_known_glob(*list, text))
            return true;
    return false;
}

static bool tri(enum ml_known_tri want, bool have)
{
    return want == ML_KNOWN_ANY || (want == ML_KNOWN_YES) == have;
}

static bool step_matches(const struct ml_known_step *ps, const struct ml_step *s, bool owned,
                         bool hook)
{
    if (ps->classes != NULL && !any_class(ps->classes, s->class_name))
        return false;
    if (ps->fields != NULL && !any_glob(ps->fields, s->field))
        return false;
    if (ps->threads != NULL && !any_glob(ps->threads, s->thread))
        return false;
    if (ps->method != NULL && !ml_known_glob(ps->method, s->method))
        return false;
    if (ps->ref != ML_REF_OTHER && ps->ref != s->ref)
        return false;
    if (!ps->any_object && ps->object != s->object)
        return false;
    return tri(ps->owned, owned) && tri(ps->hook, hook);
}

bool ml_known_pattern_matches(const struct ml_known_pattern *pat, const struct ml_path *p)
{
    struct ml_path_view v;
    size_t i, k = 0, last;

    ml_path_view(p, &v);
    if (v.root == ML_ROOT_NONE)
        return false;
    if (pat->roots != 0 && (pat->roots & (1u << v.root)) == 0)
        return false;
    last = v.owned < p->n_steps ? v.owned : p->n_steps - 1;
    /* Greedy: each step pattern takes the first step after the previous one's that it matches;
     * for independent step predicates that finds a match whenever one exists. */
    for (i = v.start; i <= last && k < pat->n_steps; i++)
        if (step_matches(&pat->steps[k], &p->steps[i], i == v.owned,
                         v.root == ML_ROOT_SHUTDOWN_HOOK && i == v.start))
            k++;
    return k == pat->n_steps;
}

const struct ml_known_entry *ml_known_match(const struct ml_known_catalogue *cat,
                                            const struct ml_path *p)
{
    if (cat == NULL || p == NULL || p->n_steps == 0)
        return NULL;
    for (size_t e = 0; e < cat->n_entries; e++)
        for (size_t m = 0; m < cat->entries[e].n_match; m++)
            if (ml_known_pattern_matches(&cat->entries[e].match[m], p))
                return &cat->entries[e];
    return NULL;
}

const struct ml_known_entry *ml_known_find(const struct ml_known_catalogue *cat, const char *id)
{
    if (cat == NULL || id == NULL)
        return NULL;
    for (size_t e = 0; e < cat->n_entries; e++)
        if (strcmp(cat->entries[e].id, id) == 0)
            return &cat->entries[e];
    return NULL;
}
