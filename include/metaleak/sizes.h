/* Byte sizes on the command line ("512k", "256m", "1g", "123") and in messages. Pure module. */
#ifndef METALEAK_SIZES_H
#define METALEAK_SIZES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses digits with an optional k/m/g/t suffix (binary multiples, either case, optional
 * trailing "b"/"B" as in "256MB"). Returns false on anything else or on overflow. */
bool ml_parse_size(const char *s, uint64_t *out);

/* Formats bytes as "18.2 MiB" (or "512 B") into buf. Returns buf. */
const char *ml_format_size(int64_t bytes, char *buf, size_t len);

#endif
