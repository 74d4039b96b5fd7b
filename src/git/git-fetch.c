/* SPDX-License-Identifier: MIT */
/* git-fetch.c: clone or fetch a job's repository and check out its branch (libgit2)
 *
 * This runs in a child process of herald-exec (see git-sync.c), which kills it when it
 * stops making progress; every libgit2 callback reports progress on a pipe.
 *
 * A first run and a later one take the same path: an empty repository is created
 * with git_repository_init() and then fetched into, like any existing checkout. The
 * branch (or the remote's HEAD) is then checked out by force: the checkout is a cache
 * of the remote, local changes are not kept.
 *
 * Credentials are offered once each (in-memory SSH key, SSH key file, user and
 * password); libgit2 asks again after every failed attempt, so a second request for
 * the same kind means the credentials are wrong and we stop with that error rather
 * than loop.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "fs-util.h"
#include "git-fetch.h"
#include "git-url.h"
#include "known-hosts.h"
#include "macro.h"

/* More requests than this for credentials in one run means something loops. */
#define CREDENTIAL_REQUESTS_MAX 8

enum {
        TRIED_SSH_MEMORY = 1 << 0,
        TRIED_SSH_FILE = 1 << 1,
        TRIED_USERPASS = 1 << 2,
};

typedef struct FetchContext {
        const GitSyncOptions *o;
        GitUrl url;
        int progress_fd;
        struct timespec last_ping;
        unsigned requests;
        unsigned tried;
        char *known_hosts[3];
        char *home_known_hosts;
} FetchContext;

static void fetch_context_done(FetchContext *c) {
        git_url_done(&c->url);
        free(c->home_known_hosts);
}

/* Tell the parent we are alive, at most four times a second. */
static void ping(FetchContext *c) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec * 1000 + now.tv_nsec / 1000000 <
            c->last_ping.tv_sec * 1000 + c->last_ping.tv_nsec / 1000000 + 250)
                return;
        c->last_ping = now;
        (void) !write(c->progress_fd, ".", 1);
}

static int fail(int error, const char *fmt, ...) _printf_(2, 3);
static int fail(int error, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        git_error_set_str(GIT_ERROR_CALLBACK, msg ?: "out of memory");
        return error;
}

static int credentials_cb(git_credential **out, const char *url, const char *username_from_url,
                          unsigned int allowed, void *payload) {
        FetchContext *c = payload;
        const GitSyncOptions *o = c->o;
        bool ssh = strstr(c->url.scheme, "ssh");
        /* SSH wants the same user in every request; HTTP takes the configured one. */
        const char *ssh_user = username_from_url ?: o->username ?: "git";
        const char *user = ssh ? ssh_user : (o->username ?: username_from_url);

        ping(c);
        if (++c->requests > CREDENTIAL_REQUESTS_MAX)
                return fail(GIT_EUSER, "Authentication failed for '%s': too many attempts", o->display_url);

        if (allowed & GIT_CREDENTIAL_USERNAME)
                return git_credential_username_new(out, ssh_user);

        if (!(c->tried & TRIED_SSH_MEMORY) && o->ssh_key && (allowed & GIT_CREDENTIAL_SSH_MEMORY)) {
                c->tried |= TRIED_SSH_MEMORY;
                return git_credential_ssh_key_memory_new(out, ssh_user, NULL, o->ssh_key, o->ssh_key_password);
        }
        if (!(c->tried & TRIED_SSH_FILE) && o->ssh_key_file && (allowed & GIT_CREDENTIAL_SSH_KEY)) {
                c->tried |= TRIED_SSH_FILE;
                return git_credential_ssh_key_new(out, ssh_user, NULL, o->ssh_key_file, o->ssh_key_password);
        }
        if (!(c->tried & TRIED_USERPASS) && user && o->password && (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT)) {
                c->tried |= TRIED_USERPASS;
                return git_credential_userpass_plaintext_new(out, user, o->password);
        }

        if (c->tried == 0)
                return fail(GIT_EUSER, "'%s' asks for credentials, but none that it accepts are configured "
                            "(git_username/git_password, git_ssh_key or git_ssh_key_file)", o->display_url);
        return fail(GIT_EUSER, "Authentication failed for '%s': the configured git credentials were refused", o->display_url);
}

static int certificate_cb(git_cert *cert, int valid, const char *host, void *payload) {
        FetchContext *c = payload;
        const git_cert_hostkey *hk = (const git_cert_hostkey *) cert;
        _cleanup_free_ char *fp = NULL, *files = NULL;
        const char *bad_file = NULL;
        size_t flen = 0;
        FILE *f;
        int r;

        ping(c);
        /* TLS certificates: libgit2 checked them against the CA store; keep its verdict. */
        if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
                return GIT_PASSTHROUGH;

        if (!(hk->type & GIT_CERT_SSH_RAW))
                return fail(GIT_ECERTIFICATE, "SSH server '%s' presented no host key to check", host);

        r = known_hosts_check(c->known_hosts, host, c->url.port, (int) hk->raw_type,
                              hk->hostkey, hk->hostkey_len, &bad_file);
        if (r == 0)
                return 0;
        if (r == -EFBIG)
                return fail(GIT_ECERTIFICATE,
                            "Could not check the host key of '%s': known hosts file %s is larger than %d bytes",
                            host, strna(bad_file), KNOWN_HOSTS_FILE_MAX);
        if (r == -EBADFD)
                return fail(GIT_ECERTIFICATE,
                            "Could not check the host key of '%s': known hosts file %s is not a regular file",
                            host, strna(bad_file));
        if (r < 0 && bad_file)
                return fail(GIT_ECERTIFICATE, "Could not check the host key of '%s': reading %s failed: %s",
                            host, bad_file, strerror(-r));
        if (r < 0)
                return fail(GIT_ECERTIFICATE, "Could not check the host key of '%s' against the known hosts", host);

        (void) known_hosts_fingerprint(hk->hostkey, hk->hostkey_len, &fp);
        f = open_memstream(&files, &flen);
        if (f) {
                for (char **k = c->known_hosts; *k; k++)
                        fprintf(f, "%s%s", k == c->known_hosts ? "" : ", ", *k);
                fclose(f);
        }

        if (r == KNOWN_HOSTS_E_REVOKED)
                return fail(GIT_ECERTIFICATE,
                            "Host key of SSH server '%s' is REVOKED (%s %s): %s marks it @revoked; refusing to connect",
                            host, known_hosts_key_type_name((int) hk->raw_type), strna(fp), strna(bad_file));
        if (r == KNOWN_HOSTS_E_CHANGED)
                return fail(GIT_ECERTIFICATE,
                            "Host key of SSH server '%s' has CHANGED (%s %s): it does not match %s; refusing to connect",
                            host, known_hosts_key_type_name((int) hk->raw_type), strna(fp), strna(files));
        return fail(GIT_ECERTIFICATE,
                    "Host key of SSH server '%s' is unknown (%s %s): add it to %s (or set git_ssh_known_hosts); refusing to connect",
                    host, known_hosts_key_type_name((int) hk->raw_type), strna(fp), strna(files));
}

static int transfer_cb(const git_indexer_progress *stats, void *payload) {
        ping(payload);
        return 0;
}

static int sideband_cb(const char *str, int len, void *payload) {
        ping(payload);
        return 0;
}

static void checkout_cb(const char *path, size_t completed, size_t total, void *payload) {
        ping(payload);
}

static const char *last_error(void) {
        const git_error *e = git_error_last();

        return e && e->message ? e->message : "unknown error";
}

/* libgit2 1.5 reads ~/.ssh/known_hosts itself and fails outright without $HOME. */
static int ensure_home(void) {
        struct passwd *pw;

        if (getenv("HOME"))
                return 0;
        pw = getpwuid(geteuid());
        return setenv("HOME", pw && pw->pw_dir ? pw->pw_dir : "/", 1) < 0 ? -errno : 0;
}

static int open_or_init(const char *dir, git_repository **ret, bool *ret_fresh) {
        _cleanup_free_ char *parent = NULL;
        char *slash;
        int r;

        r = git_repository_open_ext(ret, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
        if (r == 0) {
                *ret_fresh = false;
                return 0;
        }
        if (r != GIT_ENOTFOUND)
                return r;

        /* Nothing usable there (never cloned, or a clone that died half-way): start over. */
        r = rm_rf(dir);
        if (r < 0)
                return fail(GIT_ERROR, "Could not remove '%s': %s", dir, strerror(-r));
        parent = strdup(dir);
        if (!parent)
                return fail(GIT_ERROR, "out of memory");
        slash = strrchr(parent, '/');
        if (slash && slash != parent) {
                *slash = 0;
                r = mkdir_p(parent, 0755);
                if (r < 0)
                        return fail(GIT_ERROR, "Could not create '%s': %s", parent, strerror(-r));
        }

        r = git_repository_init(ret, dir, 0);
        if (r < 0)
                return r;
        *ret_fresh = true;
        return 0;
}

static int lookup_origin(git_repository *repo, const char *url, git_remote **ret) {
        int r;

        r = git_remote_lookup(ret, repo, "origin");
        if (r == GIT_ENOTFOUND)
                return git_remote_create(ret, repo, "origin", url);
        if (r < 0)
                return r;
        if (streq_ptr(git_remote_url(*ret), url))
                return 0;

        /* Same host and path, another spelling (scheme, user): follow the workflow. */
        git_remote_free(*ret);
        *ret = NULL;
        r = git_remote_set_url(repo, "origin", url);
        if (r < 0)
                return r;
        return git_remote_lookup(ret, repo, "origin");
}

static int checkout_branch(FetchContext *c, git_repository *repo, const char *branch, char **ret_error) {
        git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
        _cleanup_free_ char *remote_ref = NULL, *local_ref = NULL;
        git_commit *commit = NULL;
        git_reference *ref = NULL;
        git_oid oid;
        int r;

        if (asprintf(&remote_ref, "refs/remotes/origin/%s", branch) < 0 ||
            asprintf(&local_ref, "refs/heads/%s", branch) < 0)
                return -ENOMEM;

        r = git_reference_name_to_id(&oid, repo, remote_ref);
        if (r == GIT_ENOTFOUND || r == GIT_EINVALIDSPEC) {
                if (asprintf(ret_error, "Branch '%s' does not exist in '%s'", branch, c->o->display_url) < 0)
                        *ret_error = NULL;
                return -ENOENT;
        }
        if (r < 0)
                goto git_error;

        r = git_commit_lookup(&commit, repo, &oid);
        if (r < 0)
                goto git_error;

        /* Check the tree out while HEAD still names the old commit, so files the new
         * one dropped are removed; then move the branch and HEAD onto it. */
        co.checkout_strategy = GIT_CHECKOUT_FORCE;
        co.progress_cb = checkout_cb;
        co.progress_payload = c;
        r = git_checkout_tree(repo, (const git_object *) commit, &co);
        if (r >= 0)
                r = git_repository_set_head_detached(repo, &oid);
        if (r >= 0)
                r = git_branch_create(&ref, repo, branch, commit, 1);
        if (r >= 0)
                r = git_repository_set_head(repo, local_ref);
        git_reference_free(ref);
        git_commit_free(commit);
        if (r < 0)
                goto git_error;
        return 0;

git_error:
        if (asprintf(ret_error, "Could not check out branch '%s' of '%s': %s", branch, c->o->display_url, last_error()) < 0)
                *ret_error = NULL;
        return -EIO;
}

static int sync_repo(FetchContext *c, char **ret_error) {
        const GitSyncOptions *o = c->o;
        git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
        git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
        _cleanup_free_ char *branch = NULL;
        git_repository *repo = NULL;
        git_remote *remote = NULL;
        git_buf head = GIT_BUF_INIT;
        bool fresh = false;
        int r;

        cb.credentials = credentials_cb;
        cb.certificate_check = certificate_cb;
        cb.transfer_progress = transfer_cb;
        cb.sideband_progress = sideband_cb;
        cb.payload = c;
        fo.callbacks = cb;

        r = open_or_init(o->repo_dir, &repo, &fresh);
        if (r < 0) {
                if (asprintf(ret_error, "Could not open the checkout '%s' of '%s': %s",
                             o->repo_dir, o->display_url, last_error()) < 0)
                        *ret_error = NULL;
                return -EIO;
        }

        r = lookup_origin(repo, o->url, &remote);
        if (r >= 0)
                r = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL);
        if (r >= 0 && !o->branch) {
                r = git_remote_default_branch(&head, remote);
                if (r == GIT_ENOTFOUND) {
                        if (asprintf(ret_error, "Repository '%s' has no branches", o->display_url) < 0)
                                *ret_error = NULL;
                        r = -ENOENT;
                        goto finish;
                }
                if (r >= 0) {
                        const char *b = startswith(head.ptr, "refs/heads/");
                        branch = strdup(b ?: head.ptr);
                        if (!branch)
                                r = fail(GIT_ERROR, "out of memory");
                }
        }
        if (r >= 0)
                r = git_remote_download(remote, NULL, &fo);
        if (r >= 0)
                r = git_remote_update_tips(remote, &cb, 1, GIT_REMOTE_DOWNLOAD_TAGS_AUTO, NULL);
        if (r >= 0)
                r = git_remote_prune(remote, &cb);
        if (r < 0) {
                if (asprintf(ret_error, "Could not fetch '%s': %s", o->display_url, last_error()) < 0)
                        *ret_error = NULL;
                r = -EIO;
                goto finish;
        }
        (void) git_remote_disconnect(remote);

        r = checkout_branch(c, repo, o->branch ?: branch, ret_error);

finish:
        git_buf_dispose(&head);
        git_remote_free(remote);
        git_repository_free(repo);
        /* A first fetch that failed leaves nothing worth keeping. */
        if (r < 0 && fresh)
                (void) rm_rf(o->repo_dir);
        return r;
}

/**
 * git_fetch_checkout: bring a checkout up to date (the child's side of git_sync()).
 * @o: what to fetch, where, and with which credentials
 * @progress_fd: where to write a byte now and then while work progresses
 * @ret_error: on failure, what went wrong, for the job's result; free() it
 *
 * Return: 0; a negative errno on failure (-ENOENT for a missing branch).
 */
int git_fetch_checkout(const GitSyncOptions *o, int progress_fd, char **ret_error) {
        _cleanup_(fetch_context_done) FetchContext c = { .o = o, .progress_fd = progress_fd };
        size_t k = 0;
        int r;

        r = git_url_parse(o->url, &c.url);
        if (r < 0) {
                if (asprintf(ret_error, "Invalid git_repo '%s'", o->display_url) < 0)
                        *ret_error = NULL;
                return r;
        }

        r = ensure_home();
        if (r < 0) {
                if (asprintf(ret_error, "Could not set $HOME: %s", strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }

        if (o->known_hosts)
                c.known_hosts[k++] = (char *) o->known_hosts;
        else {
                c.known_hosts[k++] = (char *) KNOWN_HOSTS_SYSTEM;
                if (asprintf(&c.home_known_hosts, "%s/.ssh/known_hosts", getenv("HOME")) < 0)
                        return -ENOMEM;
                c.known_hosts[k++] = c.home_known_hosts;
        }
        c.known_hosts[k] = NULL;

        r = git_libgit2_init();
        if (r < 0) {
                if (asprintf(ret_error, "Could not initialize libgit2: %s", last_error()) < 0)
                        *ret_error = NULL;
                return -EIO;
        }

        r = sync_repo(&c, ret_error);
        git_libgit2_shutdown();
        return r;
}
