/* keys.h — CURVE key pairs and public keys: make, read and write them as Z85 text. */
#ifndef COHORT_KEYS_H
#define COHORT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define KEY_Z85_LEN 40 /* characters of a Z85-encoded CURVE key */

/* A key as text: 40 Z85 characters and a NUL. */
typedef char key_text[KEY_Z85_LEN + 1];

struct key_pair {
    key_text public_key;
    key_text secret_key;
};

/* Whether text is exactly one well-formed Z85 CURVE key (40 characters that decode). */
bool key_valid(const char *text);

/* Make a fresh key pair. Returns 0, or COHORT_EINTERNAL when ZeroMQ has no CURVE. */
int key_pair_generate(struct key_pair *pair);

/*
 * A key file is text with "public-key = Z85" and "secret-key = Z85" lines ('#' starts a
 * comment). key_pair_write creates it with mode 0600, never following a symlink and never
 * replacing an existing file (COHORT_ESTATE when one is there). key_pair_read refuses a file that others may read or write, since it holds
 * a secret. Both return 0, or a negative COHORT_E* code with one sentence in err.
 */
int key_pair_write(const char *path, const struct key_pair *pair, char *err, size_t err_len);
int key_pair_read(const char *path, struct key_pair *pair, char *err, size_t err_len);

/* A public key given as the key itself or as the path of a file whose first key is it (a
 * key file's public-key line, or a bare key on a line); text that is both a valid key and
 * the path of an existing file is taken as the file. Returns 0, or COHORT_EINVAL with one
 * sentence in err. */
int key_public_resolve(const char *text_or_path, key_text out, char *err, size_t err_len);

#endif
