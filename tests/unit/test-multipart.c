/* SPDX-License-Identifier: MIT */
/* test-multipart.c: the streaming multipart parser, whole, split at every byte and byte by byte, and hostile input */
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "multipart.h"
#include "test-helpers.h"

#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* What the callbacks saw, in a form that does not depend on how the input was split:
 * one line per part_begin, a part's bytes joined, one line per part_end. */
#define RECORD_PARTS_MAX 16
typedef struct RecordPart {
        char *name, *filename, *sha256sum, *content_type;
        Buf data;
        bool ended;
} RecordPart;

typedef struct Record {
        RecordPart parts[RECORD_PARTS_MAX];
        size_t n_parts;
        size_t n_begin;         /* every part_begin, also past RECORD_PARTS_MAX */
        bool open;
        int fail_at_begin;      /* > 0: part_begin of this part (1-based) returns -EPERM */
} Record;

static void *mfree_test(void *p) {
        free(p);
        return NULL;
}

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static int rec_begin(const MultipartPart *part, void *userdata) {
        Record *rec = userdata;

        assert_false(rec->open);
        assert_non_null(part->name);
        rec->n_begin++;
        if (rec->fail_at_begin > 0 && rec->n_begin == (size_t) rec->fail_at_begin)
                return -EPERM;
        rec->open = true;
        if (rec->n_parts >= RECORD_PARTS_MAX)
                return 0;
        rec->parts[rec->n_parts++] = (RecordPart) {
                .name = dup_or_null(part->name),
                .filename = dup_or_null(part->filename),
                .sha256sum = dup_or_null(part->sha256sum),
                .content_type = dup_or_null(part->content_type),
        };
        return 0;
}

static int rec_data(const void *data, size_t size, void *userdata) {
        Record *rec = userdata;

        assert_true(rec->open);
        assert_true(size > 0);
        if (rec->n_begin <= RECORD_PARTS_MAX)
                buf_add(&rec->parts[rec->n_parts - 1].data, data, size);
        return 0;
}

static int rec_end(void *userdata) {
        Record *rec = userdata;

        assert_true(rec->open);
        rec->open = false;
        if (rec->n_begin <= RECORD_PARTS_MAX)
                rec->parts[rec->n_parts - 1].ended = true;
        return 0;
}

static const MultipartCallbacks rec_cb = {
        .part_begin = rec_begin,
        .part_data = rec_data,
        .part_end = rec_end,
};

static void rec_done(Record *rec) {
        for (size_t i = 0; i < rec->n_parts; i++) {
                free(rec->parts[i].name);
                free(rec->parts[i].filename);
                free(rec->parts[i].sha256sum);
                free(rec->parts[i].content_type);
                buf_done(&rec->parts[i].data);
        }
        *rec = (Record) {};
}

static void rec_assert_same(const Record *a, const Record *b) {
        assert_int_equal(a->n_parts, b->n_parts);
        assert_int_equal(a->n_begin, b->n_begin);
        assert_int_equal(a->open, b->open);
        for (size_t i = 0; i < a->n_parts; i++) {
                const RecordPart *x = &a->parts[i], *y = &b->parts[i];

                assert_true(streq_ptr(x->name, y->name));
                assert_true(streq_ptr(x->filename, y->filename));
                assert_true(streq_ptr(x->sha256sum, y->sha256sum));
                assert_true(streq_ptr(x->content_type, y->content_type));
                assert_int_equal(x->data.size, y->data.size);
                assert_memory_equal(x->data.data ?: "", y->data.data ?: "", x->data.size);
                assert_int_equal(x->ended, y->ended);
        }
}

/* Feed @in in pieces cut at @cuts (ascending offsets), then finish; the first error. */
static int run_cuts(const char *boundary, const MultipartLimits *limits, const void *in, size_t size,
                    const size_t *cuts, size_t n_cuts, Record *rec) {
        _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
        size_t at = 0;
        int r;

        assert_int_equal(multipart_parser_new(boundary, limits, &rec_cb, rec, &p), 0);
        for (size_t i = 0; i <= n_cuts; i++) {
                size_t to = i < n_cuts ? cuts[i] : size;

                r = multipart_parser_feed(p, (const char *) in + at, to - at);
                if (r < 0) {
                        /* stays failed, with no more callbacks */
                        assert_int_equal(multipart_parser_feed(p, "x", 1), r);
                        assert_int_equal(multipart_parser_finish(p), r);
                        return r;
                }
                at = to;
        }
        return multipart_parser_finish(p);
}

static int run_whole(const char *boundary, const void *in, size_t size, Record *rec) {
        return run_cuts(boundary, NULL, in, size, NULL, 0, rec);
}

/* The same outcome and callbacks whole, cut at every single byte offset, at every pair
 * of offsets close together, and byte by byte. Returns the outcome. */
static int check_every_split(const char *boundary, const MultipartLimits *limits, const void *in, size_t size,
                             Record *ret_whole) {
        _cleanup_free_ size_t *all = calloc(size + 1, sizeof(size_t));
        Record whole = {};
        int r;

        assert_non_null(all);
        r = run_cuts(boundary, limits, in, size, NULL, 0, &whole);

        for (size_t k = 0; k <= size; k++) {
                Record rec = {};

                assert_int_equal(run_cuts(boundary, limits, in, size, &k, 1, &rec), r);
                rec_assert_same(&whole, &rec);
                rec_done(&rec);

                /* two cuts, a delimiter's length apart at most */
                for (size_t d = 1; d < 80 && k + d <= size; d += 7) {
                        size_t two[2] = { k, k + d };

                        assert_int_equal(run_cuts(boundary, limits, in, size, two, 2, &rec), r);
                        rec_assert_same(&whole, &rec);
                        rec_done(&rec);
                }
        }

        for (size_t k = 0; k < size; k++)
                all[k] = k + 1;
        {
                Record rec = {};

                assert_int_equal(run_cuts(boundary, limits, in, size, all, size ? size - 1 : 0, &rec), r);
                rec_assert_same(&whole, &rec);
                rec_done(&rec);
        }

        if (ret_whole)
                *ret_whole = whole;
        else
                rec_done(&whole);
        return r;
}

/* As Go's mime/multipart makes them: 30 random bytes in hex. */
#define B "4f1d2b8c9a7e6d5c4b3a29180f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2"

/* The file with the bytes most likely to confuse a parser. */
static void tricky_content(Buf *b) {
        static const char bin[] = { 0, '\xff', '\r', 0, '\n', '\r', '\r', '\n', '-', '\r', '\n', '-', '-', 0x7f, '\x80' };

        buf_add(b, "\r\n--" B, strlen("\r\n--" B) - 1);                 /* the delimiter with its last byte wrong */
        buf_adds(b, "X and then\r\n--");
        buf_add(b, "\r\n--" B, strlen("\r\n--" B) - 1);                 /* the delimiter minus its last byte */
        buf_adds(b, "\r\n\r\n--\r\r\n--4\r\n-");
        buf_add(b, bin, sizeof bin);
        buf_add(b, "\r\n--" B, strlen("\r\n--" B) - 1);                 /* and right before the real one */
}

static void go_answer(Buf *b, const Buf *tricky) {
        buf_adds(b, "--" B "\r\n"
                    "Content-Disposition: form-data; name=\"result\"\r\n"
                    "\r\n"
                    "{\"exit_code\":0,\"output\":\"\",\"file\":{\"empty\":\"/w/run/empty\",\"tricky\":\"/w/run/t.bin\"}}"
                    "\r\n--" B "\r\n"
                    "Content-Disposition: form-data; name=\"empty\"; filename=\"empty\"; sha256sum=\"" EMPTY_SHA "\"\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    "\r\n"
                    "\r\n--" B "\r\n"
                    "Content-Disposition: form-data; name=\"tricky\"; filename=\"t.bin\"; sha256sum=\"0123\"\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    "\r\n");
        buf_add(b, tricky->data, tricky->size);
        buf_adds(b, "\r\n--" B "--\r\n");
}

static void test_go_answer(void **state) {
        _cleanup_(buf_done) Buf in = {}, tricky = {};
        Record rec = {};

        tricky_content(&tricky);
        go_answer(&in, &tricky);

        assert_int_equal(check_every_split(B, NULL, in.data, in.size, &rec), 0);
        assert_int_equal(rec.n_parts, 3);
        assert_string_equal(rec.parts[0].name, "result");
        assert_null(rec.parts[0].filename);
        assert_null(rec.parts[0].sha256sum);
        assert_null(rec.parts[0].content_type);
        assert_string_equal(rec.parts[0].data.data,
                            "{\"exit_code\":0,\"output\":\"\",\"file\":{\"empty\":\"/w/run/empty\",\"tricky\":\"/w/run/t.bin\"}}");
        assert_string_equal(rec.parts[1].name, "empty");
        assert_string_equal(rec.parts[1].filename, "empty");
        assert_string_equal(rec.parts[1].sha256sum, EMPTY_SHA);
        assert_string_equal(rec.parts[1].content_type, "application/octet-stream");
        assert_int_equal(rec.parts[1].data.size, 0);
        assert_string_equal(rec.parts[2].name, "tricky");
        assert_string_equal(rec.parts[2].filename, "t.bin");
        assert_int_equal(rec.parts[2].data.size, tricky.size);
        assert_memory_equal(rec.parts[2].data.data, tricky.data, tricky.size);
        for (size_t i = 0; i < 3; i++)
                assert_true(rec.parts[i].ended);
        assert_false(rec.open);
        rec_done(&rec);
}

static void test_preamble_epilogue(void **state) {
        static const char in[] =
                "This is the preamble. --" B " is not a delimiter here,\r\n"
                "--" B "X nor here, --" B "\r\n"
                "--" B "-x nor here\r\n"
                "--" B " \t \r\n"                                 /* transport padding */
                "content-disposition: form-data; name=a\r\n"
                "\r\n"
                "A\r\n"
                "--" B "\t\r\n"
                "Content-Disposition: form-data; name=\"b\"\r\n"
                "\r\n"
                "--" B "--  \r\n"
                "The epilogue: --" B "\r\nContent-Disposition: form-data; name=c\r\n\r\nignored\r\n--" B "--\r\n";
        Record rec = {};

        assert_int_equal(check_every_split(B, NULL, in, strlen(in), &rec), 0);
        assert_int_equal(rec.n_parts, 2);
        assert_string_equal(rec.parts[0].name, "a");
        assert_string_equal(rec.parts[0].data.data, "A");
        /* headers then at once the delimiter: an empty body (Go's reader takes it too) */
        assert_string_equal(rec.parts[1].name, "b");
        assert_int_equal(rec.parts[1].data.size, 0);
        rec_done(&rec);

        /* no preamble, no CRLF after the close delimiter, no parts at all */
        assert_int_equal(check_every_split(B, NULL, "--" B "--", strlen("--" B "--"), &rec), 0);
        assert_int_equal(rec.n_parts, 0);
        rec_done(&rec);
}

static void test_headers(void **state) {
        /* names in any case, folded lines, spaces around '=' and ';', a trailing ';',
         * unknown headers and parameters, quoted values with escapes, 8-bit bytes */
        static const char in[] =
                "--" B "\r\n"
                "X-Unknown: whatever; name=\"evil\"\r\n"
                "CONTENT-DISPOSITION:FORM-DATA ; Name = \"a \\\"quoted\\\" \\\\ name\";\r\n"
                "\t filename=\"caf\xc3\xa9 ; x=y.txt\"; size=3;\r\n"
                " SHA256SUM=ABCDEF0123 ; \r\n"
                "content-type:   application/octet-stream  \r\n"
                "Content-Transfer-Encoding: binary\r\n"
                "\r\n"
                "abc\r\n"
                "--" B "--\r\n";
        Record rec = {};

        assert_int_equal(check_every_split(B, NULL, in, strlen(in), &rec), 0);
        assert_int_equal(rec.n_parts, 1);
        assert_string_equal(rec.parts[0].name, "a \"quoted\" \\ name");
        assert_string_equal(rec.parts[0].filename, "caf\xc3\xa9 ; x=y.txt");
        assert_string_equal(rec.parts[0].sha256sum, "ABCDEF0123");
        assert_string_equal(rec.parts[0].content_type, "application/octet-stream");
        assert_string_equal(rec.parts[0].data.data, "abc");
        rec_done(&rec);
}

static void check_bad(const char *in, size_t size, int expected) {
        Record rec = {};

        assert_int_equal(check_every_split(B, NULL, in, size, &rec), expected);
        rec_done(&rec);
}

#define PART_A "--" B "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA"
#define CLOSE "\r\n--" B "--\r\n"

static void test_hostile(void **state) {
        static const char nul_in_header[] = "--" B "\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nA" CLOSE;
        static const char *const bad[] = {
                /* truncated: no close delimiter, in every place */
                "",
                "preamble only",
                "--" B,
                "--" B "\r",
                "--" B "\r\n",
                "--" B "\r\nContent-Disposition: form-data; name=a\r\n",
                "--" B "\r\nContent-Disposition: form-data; name=a\r\n\r",
                PART_A,
                PART_A "\r\n--" B,
                PART_A "\r\n--" B "-",
                PART_A "\r\n--" B "\r\n",
                /* garbage after a delimiter, after the boundary, in the header block */
                PART_A "\r\n--" B "garbage\r\n" CLOSE,
                PART_A "\r\n--" B "-x" CLOSE,
                PART_A "\r\n--" B " x\r\n" CLOSE,
                PART_A "\r\n--" B "\r\r\n" CLOSE,
                PART_A "\r\n--" B "\r\ngarbage without a colon\r\n\r\nx" CLOSE,
                PART_A "\r\n--" B "\r\nContent-Disposition: form-data; name=b\r\nno colon\r\n\r\nx" CLOSE,
                "--" B "\r\n: no name\r\nContent-Disposition: form-data; name=b\r\n\r\nx" CLOSE,
                "--" B "\r\nBad Name: x\r\nContent-Disposition: form-data; name=b\r\n\r\nx" CLOSE,
                /* a folded line with nothing to continue */
                "--" B "\r\n folded: x\r\nContent-Disposition: form-data; name=b\r\n\r\nx" CLOSE,
                /* bare LF, bare CR, control characters in a header block */
                "--" B "\r\nContent-Disposition: form-data; name=b\n\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data;\r name=b\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=\"b\x01\"\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=\"b\x7f\"\r\n\r\nx" CLOSE,
                /* missing or wrong Content-Disposition */
                "--" B "\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Type: text/plain\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: attachment; name=b\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; filename=b\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=b\r\nContent-Disposition: form-data; name=c\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=b; NAME=c\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=b\r\nContent-Type: a\r\nContent-Type: b\r\n\r\nx" CLOSE,
                /* malformed parameters */
                "--" B "\r\nContent-Disposition: form-data; name=\"b\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=\"b\\\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=a/b\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data name=b\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; name=\"b\" x\r\n\r\nx" CLOSE,
                "--" B "\r\nContent-Disposition: form-data; =b\r\n\r\nx" CLOSE,
                /* an encoding that changes the bytes */
                "--" B "\r\nContent-Disposition: form-data; name=b\r\nContent-Transfer-Encoding: base64\r\n\r\neA==" CLOSE,
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Record rec = {};

                if (run_whole(B, bad[i], strlen(bad[i]), &rec) != -EBADMSG)
                        fail_msg("not refused: '%s'", bad[i]);
                rec_done(&rec);
                check_bad(bad[i], strlen(bad[i]), -EBADMSG);
        }
        check_bad(nul_in_header, sizeof nul_in_header - 1, -EBADMSG);
}

static void test_limits(void **state) {
        MultipartLimits small = { .max_parts = 3, .max_header_size = 100 };
        _cleanup_(buf_done) Buf in = {}, big = {};
        Record rec = {};
        char header[200];
        int n;

        /* a header block of exactly the limit passes, one byte more does not */
        n = snprintf(header, sizeof header, "Content-Disposition: form-data; name=\"%*s\"\r\n\r\n", 0, "");
        buf_adds(&in, "--" B "\r\n");
        snprintf(header, sizeof header, "Content-Disposition: form-data; name=\"%0*d\"\r\n\r\n", 100 - n, 0);
        assert_int_equal(strlen(header), 100);
        buf_adds(&in, header);
        buf_adds(&in, "x" CLOSE);
        assert_int_equal(check_every_split(B, &small, in.data, in.size, &rec), 0);
        assert_int_equal(rec.n_parts, 1);
        rec_done(&rec);
        buf_done(&in);

        buf_adds(&in, "--" B "\r\n");
        snprintf(header, sizeof header, "Content-Disposition: form-data; name=\"%0*d\"\r\n\r\n", 101 - n, 0);
        buf_adds(&in, header);
        buf_adds(&in, "x" CLOSE);
        assert_int_equal(check_every_split(B, &small, in.data, in.size, &rec), -E2BIG);
        assert_int_equal(rec.n_parts, 0);
        rec_done(&rec);
        buf_done(&in);

        /* a header block that never ends: refused at the limit, not at the end */
        buf_adds(&in, "--" B "\r\nContent-Disposition: form-data; name=a\r\n");
        for (size_t i = 0; i < 100000; i++)
                buf_adds(&in, "X-A: b\r\n");
        assert_int_equal(run_whole(B, in.data, in.size, &rec), -E2BIG);
        rec_done(&rec);
        {
                /* by default 16 KiB: fed 1 KiB at a time, it fails within 17 KiB */
                _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
                size_t at = 0;
                int r = 0;

                assert_int_equal(multipart_parser_new(B, NULL, &rec_cb, &rec, &p), 0);
                while (at < in.size && r == 0) {
                        r = multipart_parser_feed(p, in.data + at, 1024);
                        at += 1024;
                }
                assert_int_equal(r, -E2BIG);
                assert_true(at <= 17 * 1024 + 1024);
                rec_done(&rec);
        }
        /* shorter than the limit, then the stream ends */
        assert_int_equal(check_every_split(B, NULL, in.data, 4000, NULL), -EBADMSG);
        buf_done(&in);

        /* parts: 3 pass, the 4th is refused before its part_begin */
        for (int i = 0; i < 4; i++) {
                buf_adds(&in, i ? "\r\n--" B "\r\n" : "--" B "\r\n");
                buf_adds(&in, "Content-Disposition: form-data; name=a\r\n\r\ndata");
        }
        buf_add(&big, in.data, in.size);
        buf_adds(&in, CLOSE);
        assert_int_equal(check_every_split(B, &small, in.data, in.size, &rec), -E2BIG);
        assert_int_equal(rec.n_begin, 3);
        assert_int_equal(rec.n_parts, 3);
        assert_true(rec.parts[2].ended);
        rec_done(&rec);
        assert_int_equal(check_every_split(B, &(MultipartLimits) { .max_parts = 4 }, in.data, in.size, &rec), 0);
        assert_int_equal(rec.n_begin, 4);
        rec_done(&rec);
        buf_done(&in);

        /* 10,000 parts against the default limit: refused at part 1001 */
        for (int i = 0; i < 10000; i++) {
                buf_adds(&in, i ? "\r\n--" B "\r\n" : "--" B "\r\n");
                buf_adds(&in, "Content-Disposition: form-data; name=\"f\"; filename=\"f\"; sha256sum=\"" EMPTY_SHA "\"\r\n\r\n");
        }
        buf_adds(&in, CLOSE);
        assert_int_equal(run_whole(B, in.data, in.size, &rec), -E2BIG);
        assert_int_equal(rec.n_begin, MULTIPART_PARTS_MAX_DEFAULT);
        rec_done(&rec);
#ifndef __SANITIZE_ADDRESS__     /* ASan's allocator does not fill in mallinfo2() */
        {
                /* byte by byte, with the limit lifted: the parser's memory does not
                 * grow with the parts (what the heap holds after part 100 and after
                 * part 10,000 is the same, to a few bytes) */
                static const MultipartCallbacks none = {};
                _cleanup_(multipart_parser_freep) MultipartParser *p = NULL;
                size_t at, after_100 = 0, n_delim = 0;

                assert_int_equal(multipart_parser_new(B, &(MultipartLimits) { .max_parts = 20000 }, &none, NULL, &p), 0);
                for (at = 0; at < in.size; at++) {
                        assert_int_equal(multipart_parser_feed(p, in.data + at, 1), 0);
                        if (in.data[at] == '\n' && at >= 2 && in.data[at - 2] == '2' && ++n_delim == 100)
                                after_100 = mallinfo2().uordblks;
                }
                assert_int_equal(multipart_parser_finish(p), 0);
                assert_true(after_100 > 0);
                assert_true(mallinfo2().uordblks <= after_100 + 64);
        }
#endif
}

static void test_callback_error(void **state) {
        static const char in[] = PART_A "\r\n--" B "\r\nContent-Disposition: form-data; name=b\r\n\r\nB" CLOSE;
        Record rec = { .fail_at_begin = 2 };

        assert_int_equal(run_whole(B, in, strlen(in), &rec), -EPERM);
        assert_int_equal(rec.n_parts, 1);
        assert_true(rec.parts[0].ended);
        rec_done(&rec);
}

static void test_boundary_from_content_type(void **state) {
        static const char *const bad[] = {
                "application/json",
                "multipart/mixed; boundary=abc",
                "multipart/form-data",
                "multipart/form-data; boundary=",
                "multipart/form-data; boundary=\"\"",
                "multipart/form-data; boundary=\"abc \"",                /* ends in a space */
                "multipart/form-data; boundary=\"a\\\"b\"",             /* '"' is no bchar */
                "multipart/form-data; boundary=a; boundary=b",
                "multipart/form-data; boundary=\"abc",
                "multipart/form-data; boundary=abc\r\n",
                "multipart/form-data boundary=abc",
                "multipart/form-data; boundary=12345678901234567890123456789012345678901234567890123456789012345678901",
        };
        char *b = NULL;
        _cleanup_free_ char *huge = NULL;

        assert_int_equal(multipart_boundary_from_content_type("multipart/form-data; boundary=" B, &b), 0);
        assert_string_equal(b, B);
        b = mfree_test(b);
        assert_int_equal(multipart_boundary_from_content_type(" Multipart/Form-Data ;charset=utf-8;BOUNDARY=\"a b:c=?\" ;", &b), 0);
        assert_string_equal(b, "a b:c=?");
        b = mfree_test(b);
        assert_int_equal(multipart_boundary_from_content_type(
                "multipart/form-data; boundary=1234567890123456789012345678901234567890123456789012345678901234567890", &b), 0);
        assert_int_equal(strlen(b), 70);
        b = mfree_test(b);

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (multipart_boundary_from_content_type(bad[i], &b) != -EINVAL)
                        fail_msg("not refused: '%s'", bad[i]);
        assert_null(b);
        assert_int_equal(multipart_boundary_from_content_type(NULL, &b), -EINVAL);

        huge = malloc(MULTIPART_CONTENT_TYPE_MAX + 2);
        assert_non_null(huge);
        memset(huge, ' ', MULTIPART_CONTENT_TYPE_MAX + 1);
        memcpy(huge, "multipart/form-data; boundary=x", strlen("multipart/form-data; boundary=x"));
        huge[MULTIPART_CONTENT_TYPE_MAX + 1] = 0;
        assert_int_equal(multipart_boundary_from_content_type(huge, &b), -EINVAL);
        huge[MULTIPART_CONTENT_TYPE_MAX] = 0;
        assert_int_equal(multipart_boundary_from_content_type(huge, &b), 0);
        free(b);

        /* the parser takes the same boundaries only */
        {
                MultipartParser *p = NULL;

                assert_int_equal(multipart_parser_new("", NULL, &rec_cb, NULL, &p), -EINVAL);
                assert_int_equal(multipart_parser_new("a\rb", NULL, &rec_cb, NULL, &p), -EINVAL);
                assert_int_equal(multipart_parser_new("abc ", NULL, &rec_cb, NULL, &p), -EINVAL);
                assert_null(p);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_go_answer),
                cmocka_unit_test(test_preamble_epilogue),
                cmocka_unit_test(test_headers),
                cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_callback_error),
                cmocka_unit_test(test_boundary_from_content_type),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
