/* SPDX-License-Identifier: MIT */
/* file-sink.c: the files of one http_remote answer, written under data_dir/<job_id>/<name>/<filename>
 *
 * The names come from the remote runner, which may be hostile, so nothing it sends is a
 * path: `name` and `filename` must each be one path component, checked before anything
 * is created, and every directory and file is opened relative to a directory fd with
 * O_NOFOLLOW (files with O_CREAT|O_EXCL, which refuses an existing name and a symlink),
 * so neither a crafted name nor a symlink planted in data_dir leads anywhere else.
 * herald keys the directory by job id (Herald used a key that later jobs share, so they
 * overwrote each other's files).
 *
 * Each file's SHA-256 is computed while it is written (the file is never read back) and
 * compared with the sha256sum its part announced when the part ends. A file that does
 * not match, is cut short or passes the answer's byte limit is removed; a failed answer
 * removes the files it had completed too (file_sink_discard()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "file-sink.h"
#include "fs-util.h"
#include "json-util.h"
#include "macro.h"
#include "utf8.h"

typedef struct FileSinkEntry {
        char *name, *filename, *path;
        bool name_dir_created;
} FileSinkEntry;

struct FileSink {
        int data_dir_fd;
        char *data_dir_path;
        char *job_id;
        uint64_t max_bytes, written;

        int job_fd;
        bool job_dir_created;

        /* the file being written */
        int fd, name_fd;
        bool name_dir_created;
        char *name, *filename;
        char sha256sum[FILE_SINK_SHA256_HEX_LEN + 1];
        EVP_MD_CTX *md;

        FileSinkEntry *entries;
        size_t n_entries;
};

/**
 * file_sink_component_valid: whether a string may name one directory or file.
 * @s: the string (may be NULL)
 *
 * Return: true for 1 to FILE_SINK_COMPONENT_MAX bytes of valid UTF-8 without '/',
 * control characters or DEL, other than "." and "..".
 */
bool file_sink_component_valid(const char *s) {
        size_t n;

        if (!s)
                return false;
        n = strnlen(s, FILE_SINK_COMPONENT_MAX + 1);
        if (n == 0 || n > FILE_SINK_COMPONENT_MAX || streq(s, ".") || streq(s, ".."))
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] == '/' || (unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        /* the local path goes into the result's JSON */
        return utf8_is_valid(s, n);
}

/**
 * file_sink_new: a sink for the files of one answer.
 * @data_dir_fd: an O_DIRECTORY fd of the executor's data_dir (duplicated; the caller
 *               keeps its own)
 * @data_dir_path: data_dir's absolute path, for the paths in file_sink_file_map()
 * @job_id: the job's id, the directory the files go under
 * @max_bytes: the most bytes all files of the answer may hold together
 * @ret: the sink; file_sink_free() it
 *
 * Nothing is created until the first file begins.
 *
 * Return: 0; -EINVAL for a relative @data_dir_path or a @job_id that is not one path
 * component; -EBADF for a bad fd; -ENOMEM.
 */
int file_sink_new(int data_dir_fd, const char *data_dir_path, const char *job_id, uint64_t max_bytes, FileSink **ret) {
        _cleanup_(file_sink_freep) FileSink *s = NULL;
        size_t n;

        if (!data_dir_path || data_dir_path[0] != '/' || !file_sink_component_valid(job_id))
                return -EINVAL;

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->data_dir_fd = s->job_fd = s->fd = s->name_fd = -1;
        s->max_bytes = max_bytes;

        s->data_dir_fd = fcntl(data_dir_fd, F_DUPFD_CLOEXEC, 3);
        if (s->data_dir_fd < 0)
                return -errno;
        s->data_dir_path = strdup(data_dir_path);
        s->job_id = strdup(job_id);
        if (!s->data_dir_path || !s->job_id)
                return -ENOMEM;
        /* "/srv/data/" and "/" join as "/srv/data/<job_id>" and "/<job_id>" */
        n = strlen(s->data_dir_path);
        while (n > 0 && s->data_dir_path[n - 1] == '/')
                s->data_dir_path[--n] = 0;

        *ret = TAKE_PTR(s);
        return 0;
}

/* mkdirat() and open it, never through a symlink; *ret_created says whether we made it. */
static int open_dir(int dfd, const char *name, int *ret_fd, bool *ret_created) {
        bool created = false;
        int fd;

        if (mkdirat(dfd, name, 0750) >= 0)
                created = true;
        else if (errno != EEXIST)
                return -errno;

        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                int r = -errno;

                if (created)
                        (void) unlinkat(dfd, name, AT_REMOVEDIR);
                return r;
        }
        *ret_fd = fd;
        *ret_created = created;
        return 0;
}

static bool sha256_hex_valid(const char *s) {
        if (!s || strlen(s) != FILE_SINK_SHA256_HEX_LEN)
                return false;
        for (const char *c = s; *c; c++)
                if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F')))
                        return false;
        return true;
}

/* The directories made for a file, removed when empty (errors ignored: they stay). */
static void remove_dirs(FileSink *s, const char *name, bool name_dir_created) {
        if (name_dir_created && s->job_fd >= 0)
                (void) unlinkat(s->job_fd, name, AT_REMOVEDIR);
        if (s->job_dir_created && s->n_entries == 0 && s->job_fd >= 0 &&
            unlinkat(s->data_dir_fd, s->job_id, AT_REMOVEDIR) >= 0) {
                close(s->job_fd);
                s->job_fd = -1;
                s->job_dir_created = false;
        }
}

static void current_clear(FileSink *s) {
        if (s->fd >= 0)
                close(s->fd);
        if (s->name_fd >= 0)
                close(s->name_fd);
        s->fd = s->name_fd = -1;
        s->name_dir_created = false;
        free(s->name);
        free(s->filename);
        s->name = s->filename = NULL;
        EVP_MD_CTX_free(s->md);
        s->md = NULL;
}

/**
 * file_sink_begin: start a file.
 * @s: the sink
 * @name: the file's key in the result's `file` map: one path component
 * @filename: its base name: one path component
 * @sha256sum: its announced SHA-256, 64 hex digits in either case
 *
 * Creates data_dir/<job_id>/<name>/ as needed (0750) and the file in it (0640; it
 * must not exist). Nothing is created when an argument is refused.
 *
 * Return: 0; -EINVAL for a @name or @filename that is not one path component
 * (file_sink_component_valid()); -EBADMSG for a missing or malformed @sha256sum;
 * -EEXIST when this answer had @name already, or the file exists; -ELOOP or -ENOTDIR
 * when a directory on the way is a symlink or no directory; -EBUSY while a file is
 * open; -ENOMEM; or the negative errno of mkdirat/openat.
 */
int file_sink_begin(FileSink *s, const char *name, const char *filename, const char *sha256sum) {
        int r;

        if (s->fd >= 0)
                return -EBUSY;
        if (!file_sink_component_valid(name) || !file_sink_component_valid(filename))
                return -EINVAL;
        if (!sha256_hex_valid(sha256sum))
                return -EBADMSG;
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].name, name))
                        return -EEXIST;

        s->name = strdup(name);
        s->filename = strdup(filename);
        s->md = EVP_MD_CTX_new();
        if (!s->name || !s->filename || !s->md) {
                current_clear(s);
                return -ENOMEM;
        }
        if (!EVP_DigestInit_ex(s->md, EVP_sha256(), NULL)) {
                current_clear(s);
                return -ENOMEM;
        }
        for (size_t i = 0; i < FILE_SINK_SHA256_HEX_LEN; i++) {
                char c = sha256sum[i];
                s->sha256sum[i] = c >= 'A' && c <= 'F' ? (char) (c - 'A' + 'a') : c;
        }
        s->sha256sum[FILE_SINK_SHA256_HEX_LEN] = 0;

        if (s->job_fd < 0) {
                r = open_dir(s->data_dir_fd, s->job_id, &s->job_fd, &s->job_dir_created);
                if (r < 0) {
                        current_clear(s);
                        return r;
                }
        }
        r = open_dir(s->job_fd, name, &s->name_fd, &s->name_dir_created);
        if (r < 0) {
                remove_dirs(s, name, false);
                current_clear(s);
                return r;
        }
        s->fd = openat(s->name_fd, filename, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640);
        if (s->fd < 0) {
                r = -errno;
                remove_dirs(s, name, s->name_dir_created);
                current_clear(s);
                return r;
        }
        return 0;
}

/**
 * file_sink_abort: remove the file being written, and the directories made for it.
 * @s: the sink
 *
 * For a part that ended badly (a truncated stream). No file open: nothing to do.
 *
 * Return: 0, or the negative errno of unlinkat (the state is cleared either way).
 */
int file_sink_abort(FileSink *s) {
        int r = 0;

        if (s->fd < 0)
                return 0;
        if (unlinkat(s->name_fd, s->filename, 0) < 0)
                r = -errno;
        close(s->fd);
        s->fd = -1;
        remove_dirs(s, s->name, s->name_dir_created);
        current_clear(s);
        return r;
}

/**
 * file_sink_write: the next bytes of the open file.
 * @s: the sink
 * @data: the bytes
 * @size: how many
 *
 * Return: 0; -EFBIG when the answer's files would pass their byte limit; -EBADF when no
 * file is open; or the negative errno of write (short writes and EINTR are retried).
 * On an error the file is removed (file_sink_abort()).
 */
int file_sink_write(FileSink *s, const void *data, size_t size) {
        int r;

        if (s->fd < 0)
                return -EBADF;
        if (size > s->max_bytes - s->written) {
                (void) file_sink_abort(s);
                return -EFBIG;
        }
        s->written += size;

        if (!EVP_DigestUpdate(s->md, data, size)) {
                (void) file_sink_abort(s);
                return -ENOMEM;
        }
        r = loop_write(s->fd, data, size);
        if (r < 0) {
                (void) file_sink_abort(s);
                return r;
        }
        return 0;
}

/**
 * file_sink_end: the open file is complete: check its checksum and keep it.
 * @s: the sink
 *
 * Return: 0; -EBADMSG when the SHA-256 of what was written is not the announced one
 * (the file is removed); -EBADF when no file is open; -ENOMEM; or the negative errno of
 * close.
 */
int file_sink_end(FileSink *s) {
        static const char hex[] = "0123456789abcdef";
        unsigned char md[EVP_MAX_MD_SIZE];
        char got[FILE_SINK_SHA256_HEX_LEN + 1];
        unsigned md_len = 0;
        FileSinkEntry *e, *t;
        char *path = NULL;

        if (s->fd < 0)
                return -EBADF;
        if (!EVP_DigestFinal_ex(s->md, md, &md_len) || md_len != FILE_SINK_SHA256_HEX_LEN / 2) {
                (void) file_sink_abort(s);
                return -ENOMEM;
        }
        for (unsigned i = 0; i < md_len; i++) {
                got[2 * i] = hex[md[i] >> 4];
                got[2 * i + 1] = hex[md[i] & 15];
        }
        got[FILE_SINK_SHA256_HEX_LEN] = 0;
        if (!streq(got, s->sha256sum)) {
                (void) file_sink_abort(s);
                return -EBADMSG;
        }

        if (close(TAKE_FD(s->fd)) < 0) {
                int r = -errno;

                /* file_sink_abort() needs fd >= 0 to act; it is closed already */
                (void) unlinkat(s->name_fd, s->filename, 0);
                remove_dirs(s, s->name, s->name_dir_created);
                current_clear(s);
                return r;
        }

        t = reallocarray(s->entries, s->n_entries + 1, sizeof *s->entries);
        if (t)
                s->entries = t;
        if (!t || asprintf(&path, "%s/%s/%s/%s", s->data_dir_path, s->job_id, s->name, s->filename) < 0) {
                (void) unlinkat(s->name_fd, s->filename, 0);
                remove_dirs(s, s->name, s->name_dir_created);
                current_clear(s);
                return -ENOMEM;
        }
        e = &s->entries[s->n_entries++];
        *e = (FileSinkEntry) {
                .name = TAKE_PTR(s->name),
                .filename = TAKE_PTR(s->filename),
                .path = path,
                .name_dir_created = s->name_dir_created,
        };
        current_clear(s);
        return 0;
}

/**
 * file_sink_discard: remove every file of this answer (a failed answer keeps none).
 * @s: the sink
 *
 * Removes the open file, every completed one and the directories the sink made, when
 * empty. The file map is empty afterwards.
 *
 * Return: 0, or the first negative errno met (the rest is removed anyway).
 */
int file_sink_discard(FileSink *s) {
        int r = file_sink_abort(s);

        while (s->n_entries > 0) {
                FileSinkEntry *e = &s->entries[s->n_entries - 1];
                _cleanup_close_ int fd = -1;

                int q = 0;

                if (s->job_fd < 0)
                        q = -EBADF;
                else {
                        fd = openat(s->job_fd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd < 0 || unlinkat(fd, e->filename, 0) < 0)
                                q = -errno;
                }
                if (r == 0)
                        r = q;
                s->n_entries--;
                remove_dirs(s, e->name, e->name_dir_created);
                free(e->name);
                free(e->filename);
                free(e->path);
        }
        return r;
}

/**
 * file_sink_file_map: the files kept so far, as the result's `file` map.
 * @s: the sink
 * @ret: {"<name>": "<data_dir>/<job_id>/<name>/<filename>", ...}; cJSON_Delete() it
 *
 * Return: 0, or -ENOMEM.
 */
int file_sink_file_map(FileSink *s, cJSON **ret) {
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_entries; i++)
                if (json_object_add(o, s->entries[i].name, cJSON_CreateString(s->entries[i].path)) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/**
 * file_sink_free: free a sink.
 * @s: the sink (may be NULL)
 *
 * A file still open is removed (its part never ended); completed files stay (see
 * file_sink_discard()).
 *
 * Return: NULL
 */
FileSink *file_sink_free(FileSink *s) {
        if (!s)
                return NULL;
        (void) file_sink_abort(s);
        current_clear(s);
        for (size_t i = 0; i < s->n_entries; i++) {
                free(s->entries[i].name);
                free(s->entries[i].filename);
                free(s->entries[i].path);
        }
        free(s->entries);
        if (s->job_fd >= 0)
                close(s->job_fd);
        if (s->data_dir_fd >= 0)
                close(s->data_dir_fd);
        free(s->data_dir_path);
        free(s->job_id);
        free(s);
        return NULL;
}
