/* hex.h — numbers and bytes written as lower-case hex digits. */
#ifndef COHORT_HEX_H
#define COHORT_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write the low `digits` hex digits of value into out (no terminator). */
void hex_digits(char *out, uint64_t value, unsigned digits);

/* Write the n bytes as 2n hex digits and a terminator into out (room for 2n + 1). */
void hex_bytes(char *out, const uint8_t *bytes, size_t n);

#endif
