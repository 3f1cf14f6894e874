/* hex.c — numbers and bytes written as lower-case hex digits, without a call to printf. */
#include "hex.h"

void hex_digits(char *out, uint64_t value, unsigned digits)
{
    static const char digit[] = "0123456789abcdef";

    while (digits-- > 0) {
        out[digits] = digit[value & 0xf];
        value >>= 4;
    }
}

void hex_bytes(char *out, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        hex_digits(out + 2 * i, bytes[i], 2);
    out[2 * n] = '\0';
}
