/* json.c — a small streaming JSON writer with correct string escaping. */
#include "json.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

void json_init(struct json *json, FILE *out)
{
    *json = (struct json){.out = out};
}

/* Write what must come before a value: a comma after an earlier item. */
static void value_begin(struct json *json)
{
    assert(!json->in_object[json->depth] || json->after_key);
    if (json->after_key)
        json->after_key = false; /* the key brought its comma */
    else if (json->has_items[json->depth])
        fputc(',', json->out);
    json->has_items[json->depth] = true;
}

static void container_begin(struct json *json, bool is_object)
{
    value_begin(json);
    assert(json->depth < JSON_MAX_DEPTH);
    json->depth++;
    json->in_object[json->depth] = is_object;
    json->has_items[json->depth] = false;
    fputc(is_object ? '{' : '[', json->out);
}

static void container_end(struct json *json, bool is_object)
{
    assert(json->depth > 0 && json->in_object[json->depth] == is_object && !json->after_key);
    json->depth--;
    fputc(is_object ? '}' : ']', json->out);
}

void json_object_begin(struct json *json)
{
    container_begin(json, true);
}

void json_object_end(struct json *json)
{
    container_end(json, true);
}

void json_array_begin(struct json *json)
{
    container_begin(json, false);
}

void json_array_end(struct json *json)
{
    container_end(json, false);
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0 when s does not start
 * one: overlong forms, surrogates and code points past U+10FFFF are not valid. */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
    size_t need;
    uint32_t code_point, min;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        need = 2, code_point = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        need = 3, code_point = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        need = 4, code_point = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (need > len)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        code_point = code_point << 6 | (s[i] & 0x3F);
    }
    if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF))
        return 0;
    return need;
}

/* Write text[0..len) as the body of a JSON string. */
static void string_body(FILE *out, const unsigned char *text, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = text[i];
        size_t n;
        switch (c) {
        case '"':
            fputs("\\\"", out);
            i++;
            continue;
        case '\\':
            fputs("\\\\", out);
            i++;
            continue;
        case '\n':
            fputs("\\n", out);
            i++;
            continue;
        case '\r':
            fputs("\\r", out);
            i++;
            continue;
        case '\t':
            fputs("\\t", out);
            i++;
            continue;
        case '\b':
            fputs("\\b", out);
            i++;
            continue;
        case '\f':
            fputs("\\f", out);
            i++;
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
            i++;
        } else if ((n = utf8_sequence_length(text + i, len - i)) == 0) {
            fputs("\\ufffd", out);
            i++;
        } else {
            fwrite(text + i, 1, n, out);
            i += n;
        }
    }
}

void json_key(struct json *json, const char *key)
{
    assert(json->depth > 0 && json->in_object[json->depth] && !json->after_key);
    if (json->has_items[json->depth])
        fputc(',', json->out);
    json->has_items[json->depth] = true;
    fputc('"', json->out);
    string_body(json->out, (const unsigned char *)key, strlen(key));
    fputs("\":", json->out);
    json->after_key = true;
}

void json_string_n(struct json *json, const char *text, size_t len)
{
    if (!text) {
        json_null(json);
        return;
    }
    value_begin(json);
    fputc('"', json->out);
    string_body(json->out, (const unsigned char *)text, len);
    fputc('"', json->out);
}

void json_string(struct json *json, const char *text)
{
    json_string_n(json, text, text ? strlen(text) : 0);
}

void json_uint(struct json *json, uint64_t value)
{
    value_begin(json);
    fprintf(json->out, "%" PRIu64, value);
}

void json_int(struct json *json, int64_t value)
{
    value_begin(json);
    fprintf(json->out, "%" PRId64, value);
}

void json_bool(struct json *json, bool value)
{
    value_begin(json);
    fputs(value ? "true" : "false", json->out);
}

void json_null(struct json *json)
{
    value_begin(json);
    fputs("null", json->out);
}

void json_finish(struct json *json)
{
    assert(json->depth == 0);
    fputc('\n', json->out);
}
