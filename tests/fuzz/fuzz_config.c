/* libFuzzer target: the YAML configuration file. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metaleak/config.h"
#include "metaleak/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ml_options opts;
    char err[ML_ERRBUF] = "";

    ml_options_defaults(&opts);
    if (ml_config_load_buffer("fuzz.yaml", (const char *)data, size, &opts, err, sizeof(err)) !=
            ML_OK &&
        strncmp(err, "fuzz.yaml", 9) != 0)
        abort(); /* every refusal names the file */
    return 0;
}
