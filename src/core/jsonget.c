/* Typed, checked reads of a cJSON object's members (see jsonget.h). */
#include "jsonget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "metaleak/error.h"

#define MAX_EXACT 9007199254740992.0 /* 2^53: larger integers are not exact in JSON doubles */

int ml_jget_bad(struct ml_jget *c, const char *field, const char *what)
{
    snprintf(c->err, c->errlen, "'%s': %s %s", c->name, field, what);
    return ML_ERR_CONFIG;
}

const cJSON *ml_jget_member(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

bool ml_jget_whole(double d)
{
    return isfinite(d) && d >= 0 && d <= MAX_EXACT && floor(d) == d;
}

int ml_jget_object(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                   const cJSON **out)
{
    const cJSON *v = ml_jget_member(obj, key);

    if (v == NULL)
        return ml_jget_bad(c, field, "is missing");
    if (!cJSON_IsObject(v))
        return ml_jget_bad(c, field, "is not an object");
    *out = v;
    return ML_OK;
}

int ml_jget_array(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                  const cJSON **out)
{
    const cJSON *v = ml_jget_member(obj, key);

    if (v == NULL)
        return ml_jget_bad(c, field, "is missing");
    if (!cJSON_IsArray(v))
        return ml_jget_bad(c, field, "is not an array");
    *out = v;
    return ML_OK;
}

int ml_jget_opt_object(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                       const cJSON **out)
{
    const cJSON *v = ml_jget_member(obj, key);

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return ML_OK;
    if (!cJSON_IsObject(v))
        return ml_jget_bad(c, field, "is not an object or null");
    *out = v;
    return ML_OK;
}

int ml_jget_int(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                bool required, bool nullable, int64_t *out)
{
    const cJSON *v = ml_jget_member(obj, key);

    *out = -1;
    if (v == NULL)
        return required ? ml_jget_bad(c, field, "is missing") : ML_OK;
    if (cJSON_IsNull(v)) {
        if (nullable)
            return ML_OK;
        return ml_jget_bad(c, field, "is null");
    }
    if (!cJSON_IsNumber(v))
        return ml_jget_bad(c, field, "is not a number");
    if (!ml_jget_whole(v->valuedouble))
        return ml_jget_bad(c, field, "is not a whole number in 0..2^53");
    *out = (int64_t)v->valuedouble;
    return ML_OK;
}

int ml_jget_uint(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                 uint64_t *out)
{
    int64_t v;
    int rc = ml_jget_int(c, obj, key, field, true, false, &v);

    *out = rc == ML_OK ? (uint64_t)v : 0;
    return rc;
}

int ml_jget_str(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                bool required, const char **out)
{
    const cJSON *v = ml_jget_member(obj, key);

    *out = NULL;
    if (v == NULL || cJSON_IsNull(v))
        return required ? ml_jget_bad(c, field, v == NULL ? "is missing" : "is null") : ML_OK;
    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return ml_jget_bad(c, field, "is not a string");
    *out = v->valuestring;
    return ML_OK;
}

int ml_jget_bool(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                 bool *out)
{
    const cJSON *v = ml_jget_member(obj, key);

    *out = false;
    if (v == NULL || cJSON_IsNull(v))
        return ML_OK;
    if (!cJSON_IsBool(v))
        return ml_jget_bad(c, field, "is not a boolean");
    *out = cJSON_IsTrue(v);
    return ML_OK;
}

int ml_jget_strings(struct ml_jget *c, const cJSON *obj, const char *key, const char *field,
                    const char ***out, size_t *n)
{
    const cJSON *arr = ml_jget_member(obj, key);
    const cJSON *u;
    size_t i = 0;

    *out = NULL;
    *n = 0;
    if (arr == NULL || cJSON_IsNull(arr))
        return ML_OK;
    if (!cJSON_IsArray(arr))
        return ml_jget_bad(c, field, "is not an array");
    *out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**out));
    if (*out == NULL)
        return ml_jget_bad(c, field, "is too large: out of memory");
    cJSON_ArrayForEach(u, arr) {
        if (!cJSON_IsString(u))
            return ml_jget_bad(c, field, "has an element that is not a string");
        (*out)[i++] = u->valuestring;
    }
    *n = i;
    return ML_OK;
}
