/* Typed, checked reads of one member of a cJSON object, for the report reader
 * (reportread*.c; private to the core). A document from outside is never trusted: each getter
 * checks the member's type (and, for integers, that it is a whole number in 0..2^53) and on a
 * mismatch writes one message that names the document and the field,
 * "'<name>': <field> <what>", and returns ML_ERR_CONFIG. Otherwise it returns ML_OK.
 *
 * `key` is the member's name in obj; `field` is its full name in the document for messages
 * ("leaks[3].path[0].ref"). Strings and nodes handed out point into the document. */
#ifndef METALEAK_JSONGET_H
#define METALEAK_JSONGET_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the messages go. */
struct ml_jget {
    const char *name;           /* the document (its path), quoted in every message */
    char *err;                  /* the caller's buffer for the one message */
    size_t errlen;
};

/* Writes "'<name>': <field> <what>" into c->err. Returns ML_ERR_CONFIG. */
int ml_jget_bad(struct ml_jget *c, const char *field, const char *what);

/* obj's member `key` (case-sensitive), NULL when absent or when obj is not an object. */
const cJSON *ml_jget_member(const cJSON *obj, const char *key);

/* True for a whole number in 0..2^53: larger integers are not exact in JSON doubles. */
bool ml_jget_whole(double d);

/* A required object or array member (absent, null or another type is an error). */
int ml_jget_object(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                   const cJSON **out);
int ml_jget_array(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                  const cJSON **out);

/* An optional object: absent or null gives NULL. */
int ml_jget_opt_object(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                       const cJSON **out);

/* A whole number in 0..2^53. *out is -1 when the member is absent (an error when required) or
 * null (an error unless nullable). */
int ml_jget_int(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                bool required, bool nullable, int64_t *out);

/* A required, non-null whole number in 0..2^53; *out is 0 on error. */
int ml_jget_uint(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                 uint64_t *out);

/* A string; *out is NULL when absent or null (an error when required). */
int ml_jget_str(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                bool required, const char **out);

/* An optional boolean: absent or null reads as false. */
int ml_jget_bool(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                 bool *out);

/* An optional array of strings. *out is a malloc'd array of *n pointers into the document (NULL
 * and 0 when absent or null), which the caller frees with free(), also after an error. */
int ml_jget_strings(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                    const char ***out, size_t *n);

#endif
