/* SPDX-License-Identifier: MIT */
/* table.c: aligned tables, tab-separated output for pipes, and the pager
 *
 * taskctl prints for two readers. On a terminal a person reads it: a header,
 * columns padded to their widest cell, long error texts cut, colors, and a
 * pager as systemctl starts one. Through a pipe a script reads it: no header,
 * exactly one tab between cells, no colors, nothing cut, so that `cut -f3` and
 * `awk -F'\t'` work. What stdout was is decided once, before the pager takes
 * stdout over (after that it is a pipe to less).
 *
 * Widths are terminal columns: wcwidth() of each code point, so a CJK character or
 * an emoji counts two and a combining accent none. wcwidth() answers by LC_CTYPE;
 * the width is asked under glibc's built-in C.UTF-8, whatever locale the caller has
 * (a job name is UTF-8 from the workflow, not in the user's charset), so the columns
 * line up without taskctl calling setlocale(). */
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <wchar.h>

#include "table.h"

typedef struct Cell {
        char *text;
        const char *color;
        size_t width;
} Cell;

struct Table {
        size_t n_columns;
        Cell *headers;
        bool *align_right;
        size_t *max_width;
        Cell *cells;
        size_t n_cells, n_allocated;
};

static locale_t utf8_locale(void) {
        static locale_t l;

        if (!l)
                l = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
        return l;
}

/**
 * char_width: the terminal columns of the character at s.
 * @ret_len: its length in bytes (at least 1)
 *
 * A byte that starts no valid UTF-8 sequence, or a character wcwidth() calls
 * unprintable, counts one column, as the terminal shows something for it.
 */
static size_t char_width(const char *s, size_t *ret_len) {
        locale_t l = utf8_locale(), old = (locale_t) 0;
        mbstate_t st = {};
        wchar_t wc;
        size_t len;
        int w = 1;

        if (l)
                old = uselocale(l);
        len = mbrtowc(&wc, s, strnlen(s, 4), &st);
        if (len == (size_t) -1 || len == (size_t) -2 || len == 0)
                len = 1;
        else if (l)
                w = wcwidth(wc);
        if (l)
                uselocale(old);
        *ret_len = len;
        return w < 0 ? 1 : (size_t) w;
}

/* The terminal columns a UTF-8 string takes. */
static size_t text_width(const char *s) {
        size_t n = 0, len;

        while (*s) {
                n += char_width(s, &len);
                s += len;
        }
        return n;
}

/* A copy fit for one line of a table: control characters become blanks. */
static char *text_sanitize(const char *s) {
        char *t = strdup(s);

        if (!t)
                return NULL;
        for (char *c = t; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = ' ';
        return t;
}

Table *table_new(const char *first_header, ...) {
        _cleanup_table_free_ Table *t = NULL;
        const char *h;
        size_t n = 0;
        va_list ap;

        va_start(ap, first_header);
        for (h = first_header; h; h = va_arg(ap, const char *))
                n++;
        va_end(ap);
        if (n == 0)
                return NULL;

        t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->headers = calloc(n, sizeof *t->headers);
        t->align_right = calloc(n, sizeof *t->align_right);
        t->max_width = calloc(n, sizeof *t->max_width);
        if (!t->headers || !t->align_right || !t->max_width)
                return NULL;

        va_start(ap, first_header);
        for (h = first_header; h; h = va_arg(ap, const char *)) {
                Cell *c = &t->headers[t->n_columns++];
                c->text = strdup(h);
                if (!c->text) {
                        va_end(ap);
                        return NULL;
                }
                c->width = text_width(h);
        }
        va_end(ap);
        return TAKE_PTR(t);
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        if (t->headers)
                for (size_t i = 0; i < t->n_columns; i++)
                        free(t->headers[i].text);
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i].text);
        free(t->headers);
        free(t->align_right);
        free(t->max_width);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_cell_color(Table *t, const char *s, const char *color) {
        Cell *c;

        if (t->n_cells == t->n_allocated) {
                size_t n = t->n_allocated ? t->n_allocated * 2 : 64;
                Cell *a = reallocarray(t->cells, n, sizeof *a);
                if (!a)
                        return -ENOMEM;
                t->cells = a;
                t->n_allocated = n;
        }
        c = &t->cells[t->n_cells];
        c->text = text_sanitize(isempty(s) ? "-" : s);
        if (!c->text)
                return -ENOMEM;
        c->color = color;
        c->width = text_width(c->text);
        t->n_cells++;
        return 0;
}

int table_add_cell(Table *t, const char *s) {
        return table_add_cell_color(t, s, NULL);
}

int table_add_cellf(Table *t, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return table_add_cell(t, s);
}

void table_set_align_right(Table *t, size_t column, bool right) {
        if (column < t->n_columns)
                t->align_right[column] = right;
}

void table_set_max_width(Table *t, size_t column, size_t width) {
        if (column < t->n_columns)
                t->max_width[column] = width;
}

size_t table_n_rows(const Table *t) {
        return t->n_cells / t->n_columns;
}

static void print_padding(FILE *f, size_t n) {
        for (; n > 0; n--)
                fputc(' ', f);
}

/* Writes the cell in at most "width" columns (f NULL: only measures): cut, "…" in the
 * last one. Return: the columns taken, one less than width when a double-width
 * character did not fit before the "…". */
static size_t print_cut(FILE *f, const Cell *c, size_t width) {
        const char *s = c->text;
        size_t n = 0, w, len;

        if (c->width <= width) {
                if (f)
                        fputs(s, f);
                return c->width;
        }
        if (width == 0)
                return 0;
        while (*s) {
                w = char_width(s, &len);
                if (n + w > width - 1)
                        break;
                if (f)
                        fwrite(s, 1, len, f);
                n += w;
                s += len;
        }
        if (f)
                fputs("…", f);
        return n + 1;
}

static void print_pretty_row(const Table *t, FILE *f, const Cell *row, const size_t *widths, bool color,
                             const char *row_color) {
        for (size_t i = 0; i < t->n_columns; i++) {
                const Cell *c = &row[i];
                size_t w = print_cut(NULL, c, widths[i]);
                const char *col = row_color ?: c->color;
                bool last = i + 1 == t->n_columns;

                if (i > 0)
                        fputs("  ", f);
                if (t->align_right[i])
                        print_padding(f, widths[i] - w);
                if (color && col)
                        fputs(col, f);
                (void) print_cut(f, c, widths[i]);
                if (color && col)
                        fputs(ANSI_NORMAL, f);
                if (!t->align_right[i] && !last)
                        print_padding(f, widths[i] - w);
        }
        fputc('\n', f);
}

/**
 * table_print: write the table.
 * @mode: TABLE_PRETTY (header, aligned, cut to max widths) or TABLE_PLAIN (tab-separated
 *        rows only)
 * @color: in TABLE_PRETTY, use the cells' colors and a bold header
 *
 * Return: 0, or -EIO when writing failed (e.g. the pager was quit early; callers
 * usually ignore that).
 */
int table_print(const Table *t, FILE *f, TableMode mode, bool color) {
        size_t rows = table_n_rows(t);
        _cleanup_free_ size_t *widths = NULL;

        if (mode == TABLE_PLAIN) {
                for (size_t r = 0; r < rows; r++)
                        for (size_t i = 0; i < t->n_columns; i++) {
                                fputs(t->cells[r * t->n_columns + i].text, f);
                                fputc(i + 1 == t->n_columns ? '\n' : '\t', f);
                        }
                return fflush(f) == 0 ? 0 : -EIO;
        }

        widths = calloc(t->n_columns, sizeof *widths);
        if (!widths)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_columns; i++) {
                widths[i] = t->headers[i].width;
                for (size_t r = 0; r < rows; r++)
                        if (t->cells[r * t->n_columns + i].width > widths[i])
                                widths[i] = t->cells[r * t->n_columns + i].width;
                if (t->max_width[i] > 0 && widths[i] > t->max_width[i])
                        widths[i] = t->max_width[i] > t->headers[i].width ? t->max_width[i] : t->headers[i].width;
        }

        if (output_legend())
                print_pretty_row(t, f, t->headers, widths, color, ANSI_BOLD);
        for (size_t r = 0; r < rows; r++)
                print_pretty_row(t, f, &t->cells[r * t->n_columns], widths, color, NULL);
        return fflush(f) == 0 ? 0 : -EIO;
}

static bool legend = true;

/* --no-legend: no header line and no "N ... listed." line, as systemctl's. */
void output_set_legend(bool on) {
        legend = on;
}

bool output_legend(void) {
        return legend;
}

/* The line under a table on a terminal, as systemctl prints one: "3 results listed." */
void table_print_legend(const Table *t, const char *one, const char *many) {
        size_t n = table_n_rows(t);

        if (!legend || output_table_mode() != TABLE_PRETTY)
                return;
        printf("\n%zu %s listed.\n", n, n == 1 ? one : many);
}

static int stdout_tty = -1;

bool output_is_tty(void) {
        if (stdout_tty < 0)
                stdout_tty = isatty(STDOUT_FILENO);
        return stdout_tty > 0;
}

static bool word_in(const char *s, const char *const *set) {
        for (; *set; set++)
                if (streq(s, *set))
                        return true;
        return false;
}

/* As systemd's tools: SYSTEMD_COLORS (a boolean, or 16/256/true) first, then NO_COLOR,
 * then a terminal that is no "dumb" one. */
bool output_use_color(void) {
        const char *term = getenv("TERM"), *colors = getenv("SYSTEMD_COLORS");

        if (colors && *colors) {
                if (word_in(colors, (const char *const[]) { "0", "no", "false", "off", "n", "f", NULL }))
                        return false;
                if (word_in(colors, (const char *const[]) { "1", "yes", "true", "on", "y", "t", "16", "256", "24bit", NULL }))
                        return true;
        }
        return output_is_tty() && !getenv("NO_COLOR") && term && !streq(term, "dumb");
}

TableMode output_table_mode(void) {
        return output_is_tty() ? TABLE_PRETTY : TABLE_PLAIN;
}

static FILE *pager;
static int saved_stdout = -1;

/* Is the first word of cmd an executable on $PATH (or a path)? popen() would run a
 * missing pager through sh, print "not found" and eat our output. */
static bool pager_command_exists(const char *cmd) {
        _cleanup_free_ char *word = strndup(cmd, strcspn(cmd, " \t"));
        const char *path = getenv("PATH") ?: "/usr/bin:/bin";

        if (!word || !*word)
                return false;
        if (strchr(word, '/'))
                return access(word, X_OK) == 0;
        for (const char *p = path; *p;) {
                size_t l = strcspn(p, ":");
                _cleanup_free_ char *full = NULL;

                if (l > 0 && asprintf(&full, "%.*s/%s", (int) l, p, word) >= 0 && access(full, X_OK) == 0)
                        return true;
                p += l;
                if (*p == ':')
                        p++;
        }
        return false;
}

void pager_open(bool disabled) {
        const char *cmd;
        int fd;

        if (disabled || pager || !output_is_tty())
                return;
        /* systemd's tools read SYSTEMD_PAGER, then PAGER; ours first */
        cmd = getenv("TASKCTL_PAGER") ?: getenv("SYSTEMD_PAGER") ?: getenv("PAGER");
        if (cmd && (isempty(cmd) || streq(cmd, "cat")))
                return;
        if (!cmd)
                cmd = "less";
        if (!pager_command_exists(cmd))
                return;

        /* less's options as systemd's pager sets them: SYSTEMD_LESS, else FRSXMK */
        (void) setenv("LESS", getenv("SYSTEMD_LESS") ?: "FRSXMK", 1);
        fflush(stdout);
        pager = popen(cmd, "we");
        if (!pager)
                return;
        saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        fd = fileno(pager);
        if (saved_stdout < 0 || dup2(fd, STDOUT_FILENO) < 0) {
                if (saved_stdout >= 0)
                        close(saved_stdout);
                saved_stdout = -1;
                pclose(pager);
                pager = NULL;
                return;
        }
        /* Quitting less early must end our output quietly, not kill us with SIGPIPE. */
        signal(SIGPIPE, SIG_IGN);
        atexit(pager_close);
}

void pager_close(void) {
        if (!pager)
                return;
        fflush(stdout);
        clearerr(stdout);
        /* Give stdout back, closing our copy of the pipe, so less sees EOF. */
        dup2(saved_stdout, STDOUT_FILENO);
        close(saved_stdout);
        saved_stdout = -1;
        pclose(pager);
        pager = NULL;
}
