/* replay.c — feeds corpus files to a fuzz target's LLVMFuzzerTestOneInput, without libFuzzer. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read the whole file at path into a buffer of exactly its size (so the sanitizers catch a
 * read past the end), which the caller frees. Returns 0, or -1 with a message printed. */
static int read_file(uint8_t **out, size_t *len, const char *path)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;
    int rc = -1;

    *out = NULL;
    if (!file || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
        fseek(file, 0, SEEK_SET) != 0)
        goto done;
    if (!(data = malloc(size ? (size_t)size : 1)))
        goto done;
    if (size && fread(data, 1, (size_t)size, file) != (size_t)size)
        goto done;
    *out = data;
    *len = (size_t)size;
    data = NULL;
    rc = 0;
done:
    if (rc < 0)
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno ? errno : EIO));
    free(data);
    if (file)
        fclose(file);
    return rc;
}

/* Feed one file to the target. Returns 0 or -1. */
static int replay_file(const char *path)
{
    uint8_t *data;
    size_t len;

    if (read_file(&data, &len, path) < 0)
        return -1;
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int skip_hidden(const struct dirent *entry)
{
    return entry->d_name[0] != '.';
}

/* Feed every file of a directory (not recursing), in name order. Returns the number of files
 * replayed, or -1. */
static int replay_dir(const char *dir)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, skip_hidden, alphasort), replayed = 0;

    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, entries[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(path) < 0)
                replayed = -1;
            else if (replayed >= 0)
                replayed++;
        }
        free(entries[i]);
    }
    free(entries);
    return replayed;
}

/* replay PATH... : each PATH is a corpus file or a directory of them. Fails when a path cannot
 * be read or when there was nothing to replay; a crash or abort in the target is a failure. */
int main(int argc, char **argv)
{
    int total = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) : (replay_file(argv[i]) < 0 ? -1 : 1);
        if (n < 0)
            return 1;
        printf("replay: %s: %d input%s\n", argv[i], n, n == 1 ? "" : "s");
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    printf("replay: %d inputs, no failure\n", total);
    return 0;
}
