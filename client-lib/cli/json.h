/* json.h — a small streaming JSON writer with correct string escaping. */
#ifndef COHORT_CLI_JSON_H
#define COHORT_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

/* Writes one JSON text to a stream, compact, inserting the commas itself. Nesting deeper
 * than JSON_MAX_DEPTH, a key outside an object and a value without a key inside one are
 * programmer errors (asserted). Write errors are left in the stream (check ferror). */
struct json {
    FILE *out;
    unsigned depth;                     /* open objects and arrays */
    bool in_object[JSON_MAX_DEPTH + 1]; /* per depth: object (true) or array */
    bool has_items[JSON_MAX_DEPTH + 1]; /* per depth: a comma goes before the next item */
    bool after_key;                     /* a key was written; its value comes next */
};

void json_init(struct json *json, FILE *out);

void json_object_begin(struct json *json);
void json_object_end(struct json *json);
void json_array_begin(struct json *json);
void json_array_end(struct json *json);

/* The key of the next member of the current object. */
void json_key(struct json *json, const char *key);

/* Values. Strings are written as UTF-8 with '"', '\\' and control characters escaped; a
 * byte that is not part of valid UTF-8 becomes U+FFFD. NULL strings are written as null. */
void json_string(struct json *json, const char *text);
void json_string_n(struct json *json, const char *text, size_t len);
void json_uint(struct json *json, uint64_t value);
void json_int(struct json *json, int64_t value);
void json_bool(struct json *json, bool value);
void json_null(struct json *json);

/* End the text with a newline (once every object and array is closed). */
void json_finish(struct json *json);

#endif
