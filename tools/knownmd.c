/* knowngen's second output: the generated part of docs/known-leaks.md, one section per entry of
 * the catalogue (see knownmd.h). */
#include "knownmd.h"

#include <string.h>

#include "metaleak/signature.h"

/* Text for a table cell: '|' and line breaks would end the cell. */
static void cell(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

/* An inline code span that may hold backticks: fenced with two and padded. */
static void code(FILE *f, const char *s)
{
    if (strchr(s, '`') != NULL)
        fprintf(f, "`` %s ``", s);
    else
        fprintf(f, "`%s`", s);
}

static void code_list(FILE *f, const char *const *l, const char *sep)
{
    for (size_t i = 0; l[i] != NULL; i++) {
        if (i > 0)
            fputs(sep, f);
        code(f, l[i]);
    }
}

static void reference(FILE *f, const char *r)
{
    if (strncmp(r, "https://", 8) == 0 || strncmp(r, "http://", 7) == 0)
        fprintf(f, "<%s>", r);
    else
        fputs(r, f);
}

static void step(FILE *f, const struct ml_known_step *s)
{
    static const char *const objects[] = {"instance", "class", "loader", "thread"};
    const char *sep = "";

    if (s->hook == ML_KNOWN_YES) {
        fputs("the shutdown hook", f);
        sep = ", ";
    }
    if (s->classes != NULL) {
        fprintf(f, "%sclass ", sep);
        code_list(f, s->classes, " or ");
        sep = ", ";
    }
    if (s->fields != NULL) {
        fprintf(f, "%sheld by field ", sep);
        code_list(f, s->fields, " or ");
        sep = ", ";
    }
    if (s->ref != ML_REF_OTHER) {
        fprintf(f, "%sheld as ", sep);
        code(f, ml_ref_name(s->ref));
        sep = ", ";
    }
    if (!s->any_object) {
        fprintf(f, "%sa%s %s", sep, s->object == ML_OBJ_INSTANCE ? "n" : "",
                objects[s->object]);
        sep = ", ";
    }
    if (s->threads != NULL) {
        fprintf(f, "%sthread named ", sep);
        code_list(f, s->threads, " or ");
        sep = ", ";
    }
    if (s->method != NULL) {
        fprintf(f, "%sin method ", sep);
        code(f, s->method);
        sep = ", ";
    }
    if (s->owned == ML_KNOWN_YES)
        fprintf(f, "%s**the job's**", sep);
    else if (s->owned == ML_KNOWN_NO)
        fprintf(f, "%snot the job's", sep);
    if (s->hook == ML_KNOWN_NO)
        fprintf(f, "%snot the hook", *sep ? ", " : "");
}

static void pattern(FILE *f, const struct ml_known_pattern *p)
{
    const char *sep = "";

    fputs("root ", f);
    if (p->roots == 0)
        fputs("any", f);
    for (int k = ML_ROOT_THREAD; k <= ML_ROOT_SHUTDOWN_HOOK; k++)
        if (p->roots & (1u << k)) {
            fprintf(f, "%s", sep);
            code(f, ml_root_kind_name((enum ml_root_kind)k));
            sep = " or ";
        }
    for (size_t i = 0; i < p->n_steps; i++) {
        fputs(" → ", f);
        step(f, &p->steps[i]);
    }
}

static void entry(FILE *f, const struct ml_known_entry *e)
{
    fprintf(f, "### `%s`\n\n", e->id);
    fprintf(f, "%s\n\n", e->title);
    fputs("| | |\n|---|---|\n| library | ", f);
    code(f, e->library);
    fputs(" |\n| fixed in | ", f);
    if (e->fixed_in != NULL)
        cell(f, e->fixed_in);
    else
        fputs("not fixed", f);
    fputs(" |\n", f);
    if (e->reproduced_with != NULL) {
        fputs("| reproduced with | ", f);
        code_list(f, e->reproduced_with, ", ");
        fputs(" |\n", f);
    }
    fputs("\n**Workaround in Flink.** ", f);
    fprintf(f, "%s\n\n**References.**", e->advice);
    for (const char *const *r = e->references; *r != NULL; r++) {
        fputs(r == e->references ? " " : ", ", f);
        reference(f, *r);
    }
    fputs("\n\n**Matched by** (first step from the root, the job's object last):\n\n", f);
    for (size_t m = 0; m < e->n_match; m++) {
        fputs("- ", f);
        pattern(f, &e->match[m]);
        fputc('\n', f);
    }
    fputc('\n', f);
}

void ml_knownmd_emit(FILE *f, const struct ml_known_catalogue *cat)
{
    fprintf(f, "%zu entries, tried in this order (the first that matches wins).\n\n",
            cat->n_entries);
    fputs("| id | library | fixed in | leak |\n|---|---|---|---|\n", f);
    for (size_t i = 0; i < cat->n_entries; i++) {
        const struct ml_known_entry *e = &cat->entries[i];

        fprintf(f, "| [`%s`](#%s) | ", e->id, e->id);
        code(f, e->library);
        fputs(" | ", f);
        cell(f, e->fixed_in != NULL ? e->fixed_in : "not fixed");
        fputs(" | ", f);
        cell(f, e->title);
        fputs(" |\n", f);
    }
    fputc('\n', f);
    for (size_t i = 0; i < cat->n_entries; i++)
        entry(f, &cat->entries[i]);
}
