/* store_vfs.c — an SQLite VFS that writes each commit's WAL frames with one write call. */
#include "store_vfs.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "file_syncer.h"

#define WAL_HEADER_BYTES 32   /* the WAL file's own header, at its start */
#define FRAME_HEADER_BYTES 24 /* before each page: its number, then for the last frame of a
                                 commit the database's size in pages (else 0), ... */
/* Bytes held at most before they are written: SQLite's unix VFS writes at most 128 KiB in
 * one call (it masks larger sizes), and a frame is at most a 64 KiB page and its header. */
#define GATHER_MAX (1u << 16)
/* WAL bytes written since the last sync that start a sync in the background: SQLite syncs
 * the WAL before each checkpoint, while the scheduler's loop waits, and that sync took
 * 10-20 ms for the 8 MiB between two checkpoints; it now finds at most this much left. */
#define SYNC_AHEAD_BYTES (1 << 20)
#define NOTHING_UNSYNCED INT64_MAX /* wal_file.unsynced when every written byte is synced */
#define ROUND8(n) (((n) + 7u) & ~(size_t)7u)

/* A WAL file: SQLite's writes gathered in pending, in front of the default VFS's file. */
struct wal_file {
    sqlite3_file base;  /* methods: wal_methods */
    sqlite3_file *real; /* the default VFS's file, in the memory after this struct */
    uint8_t *pending;   /* bytes written by SQLite and not yet to the file (GATHER_MAX) */
    size_t len;         /* bytes in pending */
    sqlite3_int64 at;   /* where pending[0] goes in the file */
    bool commit_next;   /* the last write was a commit frame's header: its page ends it */
    struct file_syncer *syncer; /* syncs the WAL in the background; NULL: none could start */
    sqlite3_int64 unsynced;     /* where the bytes written since the last sync begin */
};

static sqlite3_vfs *base_vfs; /* the default VFS, which does the work */
static sqlite3_vfs wal_vfs;
static atomic_uint_fast64_t syncs_requested; /* background syncs asked for, in all WALs */

/* Note that bytes [at, end) of the WAL were written, and have them synced in the
 * background once SYNC_AHEAD_BYTES have gathered since the last sync. (SQLite writes the WAL
 * from its start again after a checkpoint.) */
static void written(struct wal_file *f, sqlite3_int64 at, sqlite3_int64 end)
{
    if (at < f->unsynced)
        f->unsynced = at;
    if (!f->syncer || end - f->unsynced < SYNC_AHEAD_BYTES)
        return;
    file_syncer_request(f->syncer);
    atomic_fetch_add(&syncs_requested, 1);
    f->unsynced = end;
}

/* Write amt bytes of data at offset through the default VFS; returns its answer. */
static int write_out(struct wal_file *f, const void *data, int amt, sqlite3_int64 offset)
{
    int rc = f->real->pMethods->xWrite(f->real, data, amt, offset);

    if (rc == SQLITE_OK)
        written(f, offset, offset + amt);
    return rc;
}

/* Write out what is pending. Returns the default VFS's answer (SQLITE_OK when nothing is). */
static int flush(struct wal_file *f)
{
    int rc = SQLITE_OK;

    if (f->len > 0)
        rc = write_out(f, f->pending, (int)f->len, f->at);
    f->len = 0;
    f->commit_next = false;
    return rc;
}

/* Whether data, a frame header, is that of a commit's last frame. */
static bool ends_commit(const uint8_t *data)
{
    return (data[4] | data[5] | data[6] | data[7]) != 0;
}

static int wal_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 offset)
{
    struct wal_file *f = (struct wal_file *)file;
    bool last_of_commit = f->commit_next;
    int rc;

    f->commit_next = false;
    if (f->len > 0 &&
        (offset != f->at + (sqlite3_int64)f->len || f->len + (size_t)amt > GATHER_MAX) &&
        (rc = flush(f)) != SQLITE_OK)
        return rc;
    if ((size_t)amt > GATHER_MAX || (!f->pending && !(f->pending = malloc(GATHER_MAX))))
        return write_out(f, data, amt, offset);
    if (f->len == 0)
        f->at = offset;
    memcpy(f->pending + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    if (last_of_commit)
        return flush(f);
    f->commit_next = amt == FRAME_HEADER_BYTES && offset >= WAL_HEADER_BYTES && ends_commit(data);
    return SQLITE_OK;
}

static int wal_close(sqlite3_file *file)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc = flush(f), closed = f->real->pMethods->xClose(f->real);

    file_syncer_stop(&f->syncer);
    free(f->pending);
    f->pending = NULL;
    return rc != SQLITE_OK ? rc : closed;
}

/* The other calls see the file as SQLite wrote it: what is pending goes out first. */

static int wal_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 offset)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, out, amt, offset);
}

static int wal_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wal_sync(sqlite3_file *file, int flags)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc = flush(f);

    if (rc == SQLITE_OK && (rc = f->real->pMethods->xSync(f->real, flags)) == SQLITE_OK)
        f->unsynced = NOTHING_UNSYNCED;
    return rc;
}

static int wal_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int wal_file_control(sqlite3_file *file, int op, void *arg)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc = flush(f);

    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileControl(f->real, op, arg);
}

static int wal_lock(sqlite3_file *file, int lock)
{
    sqlite3_file *real = ((struct wal_file *)file)->real;
    return real->pMethods->xLock(real, lock);
}

static int wal_unlock(sqlite3_file *file, int lock)
{
    sqlite3_file *real = ((struct wal_file *)file)->real;
    return real->pMethods->xUnlock(real, lock);
}

static int wal_check_reserved_lock(sqlite3_file *file, int *out)
{
    sqlite3_file *real = ((struct wal_file *)file)->real;
    return real->pMethods->xCheckReservedLock(real, out);
}

static int wal_sector_size(sqlite3_file *file)
{
    sqlite3_file *real = ((struct wal_file *)file)->real;
    return real->pMethods->xSectorSize(real);
}

static int wal_device_characteristics(sqlite3_file *file)
{
    sqlite3_file *real = ((struct wal_file *)file)->real;
    return real->pMethods->xDeviceCharacteristics(real);
}

/* Version 1: SQLite maps shared memory and pages of the database file, never of the WAL. */
static const sqlite3_io_methods wal_methods = {
    .iVersion = 1,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved_lock,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device_characteristics,
};

/* Every file but a WAL is the default VFS's own, opened in place. */
static int vfs_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                    int *out_flags)
{
    struct wal_file *f = (struct wal_file *)file;
    int rc;

    if (!(flags & SQLITE_OPEN_WAL))
        return base_vfs->xOpen(base_vfs, name, file, flags, out_flags);
    memset(f, 0, sizeof(*f));
    f->real = (sqlite3_file *)((char *)file + ROUND8(sizeof(*f)));
    if ((rc = base_vfs->xOpen(base_vfs, name, f->real, flags, out_flags)) != SQLITE_OK)
        return rc; /* base.pMethods stays NULL: SQLite does not close it */
    f->base.pMethods = &wal_methods;
    f->syncer = file_syncer_start(name);
    f->unsynced = NOTHING_UNSYNCED;
    return SQLITE_OK;
}

uint64_t store_vfs_syncs_requested(void)
{
    return atomic_load(&syncs_requested);
}

int store_vfs_register(void)
{
    if (wal_vfs.zName)
        return SQLITE_OK;
    if (!(base_vfs = sqlite3_vfs_find(NULL)))
        return SQLITE_ERROR;
    /* the default VFS's own calls for all the rest: they take the VFS only for its sizes */
    wal_vfs = *base_vfs;
    wal_vfs.pNext = NULL;
    wal_vfs.zName = STORE_VFS_NAME;
    wal_vfs.szOsFile = (int)(ROUND8(sizeof(struct wal_file)) + (size_t)base_vfs->szOsFile);
    wal_vfs.xOpen = vfs_open;
    int rc = sqlite3_vfs_register(&wal_vfs, 0);
    if (rc != SQLITE_OK)
        wal_vfs.zName = NULL;
    return rc;
}
