/* SPDX-License-Identifier: MIT */
/* multipart-answer.c: herald-runner's answer body, JSON or multipart with files, read piece by piece
 *
 * Herald Runner answers a job with no files as `application/json` (the result without
 * its `file` map), and otherwise as Go's mime/multipart.Writer writes it:
 *
 *   Content-Type: multipart/form-data; boundary=<60 hex digits>
 *
 *   --B\r\n
 *   Content-Disposition: form-data; name="result"\r\n
 *   Content-Type: application/json\r\n
 *   \r\n
 *   <the result without "file", compact JSON>\r\n
 *   --B\r\n
 *   Content-Disposition: form-data; name="<key>"; filename="<basename>"; sha256sum="<hex>"\r\n
 *   Content-Type: application/octet-stream\r\n
 *   \r\n
 *   <the file's bytes>\r\n
 *   --B--\r\n
 *
 * (header lines sorted by name, as Go's CreatePart writes them). name and filename are
 * escaped as Go's mime/multipart escapeQuotes() does today: '\' and '"' get a
 * backslash, CR and LF become %0D and %0A (Herald Runner's own copy escapes only the
 * first two, so a key with a newline would add header lines; no client can want that).
 *
 * The checksum sits in the part's header, before the bytes, so every file is hashed
 * first (OpenSSL EVP, pread() in large blocks while the file is in the page cache),
 * and the body is then produced on demand: multipart_answer_read() takes the headers
 * from memory and the files' bytes with pread() from the fds that were checked, for
 * libmicrohttpd's MHD_create_response_from_callback(). The size is known before the
 * first byte, so the answer carries a Content-Length. A file that changes while the
 * answer is sent (its size, mtime or ctime differ from when it was hashed, or it ends
 * early) makes the read fail: the connection is cut, and the client never takes a
 * truncated or mixed file for a whole one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hmac.h"
#include "macro.h"
#include "multipart-answer.h"

/* 64 KiB reads hash a 256 MiB file as fast as 256 KiB ones did (bench/runner.sh), and
 * below malloc's mmap threshold the buffer does not add to the runner's peak RSS anew
 * for every answer. */
#define HASH_BLOCK_SIZE (64u << 10)

typedef struct Segment {
        uint64_t start, size;   /* where in the body */
        const char *data;       /* memory, or NULL for a file */
        size_t file;            /* index into files[] when data is NULL */
} Segment;

typedef struct AnswerFile {
        int fd;
        struct stat st;         /* when hashed */
        char sha256[2 * 32 + 1];
} AnswerFile;

struct MultipartAnswer {
        char *content_type;
        char *text;             /* every byte that is not a file's, one after the other */
        AnswerFile *files;
        size_t n_files;
        Segment *segments;
        size_t n_segments;
        size_t last;            /* the segment the previous read ended in */
        uint64_t size;
};

/**
 * multipart_answer_free() - free an answer and close its fds
 * @a: the answer, or NULL
 *
 * Return: NULL.
 */
MultipartAnswer *multipart_answer_free(MultipartAnswer *a) {
        if (!a)
                return NULL;
        for (size_t i = 0; i < a->n_files; i++)
                if (a->files[i].fd >= 0)
                        close(a->files[i].fd);
        free(a->files);
        free(a->segments);
        free(a->text);
        free(a->content_type);
        free(a);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD_CTX *, EVP_MD_CTX_free);

static bool stat_same(const struct stat *a, const struct stat *b) {
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
               a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* SHA-256 of the whole file, which must not change while it is read. */
static int hash_file(AnswerFile *f) {
        _cleanup_(EVP_MD_CTX_freep) EVP_MD_CTX *ctx = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t md[32];
        unsigned md_len = 0;
        struct stat after;
        uint64_t off = 0;
        char extra;

        if (fstat(f->fd, &f->st) < 0)
                return -errno;
        if (!S_ISREG(f->st.st_mode))
                return -EBADFD;
        (void) posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);

        ctx = EVP_MD_CTX_new();
        buf = malloc(HASH_BLOCK_SIZE);
        if (!ctx || !buf)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
                return -EIO;
        while (off < (uint64_t) f->st.st_size) {
                uint64_t want = (uint64_t) f->st.st_size - off;
                ssize_t n = pread(f->fd, buf, want < HASH_BLOCK_SIZE ? (size_t) want : HASH_BLOCK_SIZE, (off_t) off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -ESTALE;         /* shorter than it said */
                if (EVP_DigestUpdate(ctx, buf, (size_t) n) != 1)
                        return -EIO;
                off += (uint64_t) n;
        }
        if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != sizeof md)
                return -EIO;
        /* Nothing beyond the end, and nothing changed meanwhile. */
        if (pread(f->fd, &extra, 1, (off_t) off) != 0 || fstat(f->fd, &after) < 0 || !stat_same(&f->st, &after))
                return -ESTALE;
        hex_encode(md, sizeof md, f->sha256);
        return 0;
}

/* Go's escapeQuotes() for a quoted header parameter; NULL on ENOMEM. */
static char *escape_quotes(const char *s) {
        char *out = malloc(strlen(s) * 3 + 1), *p = out;

        if (!out)
                return NULL;
        for (; *s; s++)
                switch (*s) {
                case '\\':
                case '"':
                        *p++ = '\\';
                        *p++ = *s;
                        break;
                case '\r':
                        p = stpcpy(p, "%0D");
                        break;
                case '\n':
                        p = stpcpy(p, "%0A");
                        break;
                default:
                        *p++ = *s;
                }
        *p = 0;
        return out;
}

/* Appends to the text buffer; segments keep offsets into it, fixed up once it is whole. */
typedef struct Builder {
        char *text;
        size_t size, allocated;
        Segment *segments;
        size_t n_segments, allocated_segments;
        uint64_t pos;
        int error;
} Builder;

static Segment *builder_segment(Builder *b) {
        if (b->n_segments == b->allocated_segments) {
                size_t m = b->allocated_segments ? b->allocated_segments * 2 : 8;
                Segment *s = reallocarray(b->segments, m, sizeof *s);
                if (!s) {
                        b->error = -ENOMEM;
                        return NULL;
                }
                b->segments = s;
                b->allocated_segments = m;
        }
        return &b->segments[b->n_segments++];
}

/* Text: @s is appended to the current text segment (or starts one). Its data pointer
 * holds the offset into b->text until the text stops moving. */
static void builder_text(Builder *b, const char *s, size_t l) {
        Segment *seg;

        if (b->error || l == 0)
                return;
        if (b->size + l > b->allocated) {
                size_t m = b->allocated ? b->allocated : 1024;
                while (m < b->size + l)
                        m *= 2;
                char *t = realloc(b->text, m);
                if (!t) {
                        b->error = -ENOMEM;
                        return;
                }
                b->text = t;
                b->allocated = m;
        }
        memcpy(b->text + b->size, s, l);

        if (b->n_segments > 0 && b->segments[b->n_segments - 1].data)
                seg = &b->segments[b->n_segments - 1];
        else {
                seg = builder_segment(b);
                if (!seg)
                        return;
                /* An offset, stored +1 so that a text segment's data is never NULL. */
                *seg = (Segment) { .start = b->pos, .data = (const char *) (uintptr_t) (b->size + 1) };
        }
        seg->size += l;
        b->size += l;
        b->pos += l;
}

static void builder_str(Builder *b, const char *s) {
        builder_text(b, s, strlen(s));
}

static void builder_file(Builder *b, size_t i, uint64_t size) {
        Segment *seg;

        if (b->error || size == 0)
                return;
        seg = builder_segment(b);
        if (!seg)
                return;
        *seg = (Segment) { .start = b->pos, .size = size, .file = i };
        b->pos += size;
}

static int random_boundary(char ret[static MULTIPART_BOUNDARY_LEN + 1]) {
        uint8_t raw[MULTIPART_BOUNDARY_LEN / 2];
        size_t got = 0;

        while (got < sizeof raw) {
                ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                got += (size_t) n;
        }
        hex_encode(raw, sizeof raw, ret);
        return 0;
}

static bool boundary_valid(const char *s) {
        size_t l = strlen(s);

        /* RFC 2046 allows 1-70 characters; letters, digits, '-' and '_' need no quotes in
         * the Content-Type (Go quotes the others). */
        if (l < 1 || l > 70)
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_", *s))
                        return false;
        return true;
}

/**
 * multipart_answer_new_with_boundary() - multipart_answer_new() with a given boundary
 * @result: the job's result (an object; its "file" member is left out of the JSON)
 * @files: the files, in the order they are sent
 * @n_files: how many (0: a single application/json answer)
 * @boundary: the boundary (1-70 letters, digits, '-' or '_'), or NULL for a random one
 * @ret: the answer
 *
 * For tests, which need the bytes to be known.
 *
 * Return: as multipart_answer_new(); -EINVAL for a bad boundary.
 */
int multipart_answer_new_with_boundary(const cJSON *result, const MultipartAnswerFile *files, size_t n_files,
                                       const char *boundary, MultipartAnswer **ret) {
        _cleanup_(multipart_answer_freep) MultipartAnswer *a = NULL;
        _cleanup_free_ char *json = NULL;
        char random[MULTIPART_BOUNDARY_LEN + 1];
        cJSON *copy;
        Builder b = {};
        int r;

        if (!cJSON_IsObject(result))
                return -EINVAL;
        if (n_files > MULTIPART_ANSWER_FILES_MAX)
                return -E2BIG;
        if (boundary && !boundary_valid(boundary))
                return -EINVAL;
        for (size_t i = 0; i < n_files; i++) {
                if (!files[i].name || !files[i].filename || files[i].fd < 0)
                        return -EINVAL;
                if (strlen(files[i].name) > MULTIPART_ANSWER_NAME_MAX ||
                    strlen(files[i].filename) > MULTIPART_ANSWER_NAME_MAX)
                        return -E2BIG;
        }

        /* Herald Runner deletes "file" from the result before it is marshalled. */
        copy = cJSON_Duplicate(result, true);
        if (!copy)
                return -ENOMEM;
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "file");
        json = cJSON_PrintUnformatted(copy);
        cJSON_Delete(copy);
        if (!json)
                return -ENOMEM;

        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        if (n_files > 0) {
                a->files = calloc(n_files, sizeof *a->files);
                if (!a->files)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n_files; i++) {
                a->files[i].fd = fcntl(files[i].fd, F_DUPFD_CLOEXEC, 3);
                if (a->files[i].fd < 0)
                        return -errno;
                a->n_files++;
                r = hash_file(&a->files[i]);
                if (r < 0)
                        return r;
        }

        if (n_files == 0) {
                a->content_type = strdup("application/json");
                if (!a->content_type)
                        return -ENOMEM;
                builder_str(&b, json);
        } else {
                if (!boundary) {
                        r = random_boundary(random);
                        if (r < 0)
                                return r;
                        boundary = random;
                }
                if (asprintf(&a->content_type, "multipart/form-data; boundary=%s", boundary) < 0)
                        return -ENOMEM;

                builder_str(&b, "--");
                builder_str(&b, boundary);
                builder_str(&b, "\r\nContent-Disposition: form-data; name=\"result\"\r\n"
                                "Content-Type: application/json\r\n\r\n");
                builder_str(&b, json);
                for (size_t i = 0; i < n_files; i++) {
                        _cleanup_free_ char *name = escape_quotes(files[i].name),
                                            *filename = escape_quotes(files[i].filename);
                        if (!name || !filename)
                                b.error = -ENOMEM;
                        builder_str(&b, "\r\n--");
                        builder_str(&b, boundary);
                        builder_str(&b, "\r\nContent-Disposition: form-data; name=\"");
                        builder_str(&b, strempty(name));
                        builder_str(&b, "\"; filename=\"");
                        builder_str(&b, strempty(filename));
                        builder_str(&b, "\"; sha256sum=\"");
                        builder_str(&b, a->files[i].sha256);
                        builder_str(&b, "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
                        builder_file(&b, i, (uint64_t) a->files[i].st.st_size);
                }
                builder_str(&b, "\r\n--");
                builder_str(&b, boundary);
                builder_str(&b, "--\r\n");
        }
        if (b.error) {
                free(b.text);
                free(b.segments);
                return b.error;
        }

        /* The text is whole: offsets become pointers. */
        for (size_t i = 0; i < b.n_segments; i++)
                if (b.segments[i].data)
                        b.segments[i].data = b.text + ((uintptr_t) b.segments[i].data - 1);
        a->text = b.text;
        a->segments = b.segments;
        a->n_segments = b.n_segments;
        a->size = b.pos;

        *ret = TAKE_PTR(a);
        return 0;
}

/**
 * multipart_answer_new() - hash the files and lay out herald-runner's answer
 * @result: the job's result (an object; its "file" member is left out of the JSON)
 * @files: the files (checked and opened by runner-confine.c), in the order they are sent
 * @n_files: how many; 0 gives Herald Runner's single answer, application/json
 * @ret: the answer; free with multipart_answer_free()
 *
 * Every file is read once here, for its SHA-256; its bytes are sent later by
 * multipart_answer_read().
 *
 * Return: 0; -EINVAL (result not an object, a file without name, filename or fd);
 * -E2BIG (more than MULTIPART_ANSWER_FILES_MAX files, a name or filename longer than
 * MULTIPART_ANSWER_NAME_MAX); -EBADFD (not a regular file); -ESTALE (a file changed
 * while it was hashed); -EIO (OpenSSL); the errno of pread(); -ENOMEM.
 */
int multipart_answer_new(const cJSON *result, const MultipartAnswerFile *files, size_t n_files,
                         MultipartAnswer **ret) {
        return multipart_answer_new_with_boundary(result, files, n_files, NULL, ret);
}

/**
 * multipart_answer_content_type() - the answer's Content-Type header value
 * @a: the answer
 *
 * Return: "application/json" or "multipart/form-data; boundary=...".
 */
const char *multipart_answer_content_type(const MultipartAnswer *a) {
        return a->content_type;
}

/**
 * multipart_answer_size() - the answer's length in bytes, for Content-Length
 * @a: the answer
 *
 * Return: the size.
 */
uint64_t multipart_answer_size(const MultipartAnswer *a) {
        return a->size;
}

/**
 * multipart_answer_file_sha256() - the checksum sent for a file
 * @a: the answer
 * @i: the file's index
 *
 * Return: 64 lower-case hex digits, or NULL when @i is out of range.
 */
const char *multipart_answer_file_sha256(const MultipartAnswer *a, size_t i) {
        return i < a->n_files ? a->files[i].sha256 : NULL;
}

static ssize_t read_file_segment(MultipartAnswer *a, const Segment *s, uint64_t off, char *buf, size_t max) {
        AnswerFile *f = &a->files[s->file];
        uint64_t left = s->size - off;
        size_t want = left < max ? (size_t) left : max;
        ssize_t n;

        do
                n = pread(f->fd, buf, want, (off_t) off);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -ESTALE;         /* shorter than when it was hashed */

        /* The chunk that ends the file: it must still be the file that was hashed. */
        if ((uint64_t) n == left) {
                struct stat now;
                if (fstat(f->fd, &now) < 0)
                        return -errno;
                if (!stat_same(&f->st, &now))
                        return -ESTALE;
        }
        return n;
}

/**
 * multipart_answer_read() - bytes of the answer, for MHD_create_response_from_callback()
 * @a: the answer
 * @pos: the offset in the body
 * @buf: where the bytes go
 * @max: at most this many (more than 0)
 *
 * Reads are usually in order (each continues where the last ended) but may be
 * anywhere. A read never spans the end of a file's bytes, so that each file is checked
 * once when it has been sent in full.
 *
 * Return: the number of bytes (fewer than @max is not the end); 0 at or past the end;
 * -ESTALE when a file changed since it was hashed (cut the connection: the answer
 * would be corrupt); the errno of pread() or fstat().
 */
ssize_t multipart_answer_read(MultipartAnswer *a, uint64_t pos, char *buf, size_t max) {
        size_t done = 0;

        if (pos >= a->size || max == 0)
                return 0;
        if (a->last >= a->n_segments || a->segments[a->last].start > pos)
                a->last = 0;

        for (size_t i = a->last; i < a->n_segments && done < max; i++) {
                const Segment *s = &a->segments[i];
                uint64_t off;

                if (pos + done >= s->start + s->size)
                        continue;
                a->last = i;
                off = pos + done - s->start;
                if (s->data) {
                        uint64_t left = s->size - off;
                        size_t n = left < max - done ? (size_t) left : max - done;
                        memcpy(buf + done, s->data + off, n);
                        done += n;
                } else {
                        /* A file's bytes end this read (see above), unless none came yet. */
                        if (done > 0)
                                break;
                        return read_file_segment(a, s, off, buf, max);
                }
        }
        return (ssize_t) done;
}
