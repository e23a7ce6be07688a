/* Escaping for `metaleak html` (see html.h): the one way a report's strings reach the page. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "metaleak/html.h"

void ml_h(FILE *out, const char *s)
{
    if (s == NULL)
        return;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            /* Control characters (not tab or newline) are not text: show a replacement. */
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                fputs("&#xFFFD;", out);
            else
                fputc(c, out);
            break;
        }
    }
}

void ml_hf(FILE *out, const char *fmt, ...)
{
    char small[512], *buf = small;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(small)) {
        buf = malloc((size_t)n + 1);
        if (buf == NULL)
            return;
        va_start(ap, fmt);
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    ml_h(out, buf);
    if (buf != small)
        free(buf);
}
