/* libFuzzer target: the agent options string (the -agentpath text a user types). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/error.h"
#include "metaleak/options.h"
#include "metaleak/optstring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ml_options opts;
    char err[ML_ERRBUF];
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    /* config= reads a file: that is the YAML target's job, and /dev/stdin would block. */
    if (strstr(text, "config") == NULL) {
        ml_options_defaults(&opts);
        if (ml_optstring_parse(text, &opts, err, sizeof(err)) != ML_OK && strlen(err) == 0)
            abort(); /* every refusal must say why */
    }
    free(text);
    return 0;
}
