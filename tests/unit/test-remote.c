/* SPDX-License-Identifier: MIT */
/* test-remote.c: http_remote's options, request signature and answer classification (remote.c) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "json-parse.h"
#include "json-util.h"
#include "macro.h"
#include "remote.h"
#include "signature.h"

static int parse(const char *json, RemoteOptions *o, char **error) {
        _cleanup_json_ cJSON *p = cJSON_Parse(json);

        assert_non_null(p);
        return remote_options_parse(p, o, error);
}

static void test_options_defaults(void **state) {
        _cleanup_(remote_options_done) RemoteOptions o = {};

        assert_int_equal(parse("{\"host\": \"https://runner.example.com/\"}", &o, NULL), 0);
        assert_string_equal(o.url, "https://runner.example.com/");
        assert_string_equal(o.secret, "");
        assert_int_equal(o.secret_len, 0);
        assert_null(o.data_dir);
        assert_null(o.ca_file);
        assert_int_equal(o.timeout_sec, REMOTE_TIMEOUT_DEFAULT_SEC);
        assert_int_equal(o.connect_timeout_sec, REMOTE_CONNECT_TIMEOUT_DEFAULT_SEC);
        assert_int_equal(o.max_answer, REMOTE_ANSWER_MAX_DEFAULT);
}

static void test_options_all(void **state) {
        _cleanup_(remote_options_done) RemoteOptions o = {};

        assert_int_equal(parse("{\"host\": \"http://127.0.0.1:8080/run\", \"secret\": \"yyyy\", \"data_dir\": \"/var/lib/d\","
                               " \"ca_file\": \"/etc/ca.pem\", \"timeout\": 0, \"connect_timeout\": 5, \"max_answer\": 1024,"
                               " \"signed_timestamp\": true, \"unit\": {\"User\": \"x\"}, \"unknown\": 1}", &o, NULL), 0);
        assert_string_equal(o.secret, "yyyy");
        assert_int_equal(o.secret_len, 4);
        assert_string_equal(o.data_dir, "/var/lib/d");
        assert_string_equal(o.ca_file, "/etc/ca.pem");
        assert_int_equal(o.timeout_sec, 0);
        assert_int_equal(o.connect_timeout_sec, 5);
        assert_int_equal(o.max_answer, 1024);
        assert_true(o.signed_timestamp);
}

static void check_bad(const char *json, const char *needle) {
        _cleanup_(remote_options_done) RemoteOptions o = {};
        _cleanup_free_ char *error = NULL;

        assert_int_equal(parse(json, &o, &error), -EINVAL);
        assert_non_null(error);
        if (!strstr(error, needle))
                fail_msg("%s: error '%s' lacks '%s'", json, error, needle);
        assert_null(o.url);     /* nothing handed out on failure */
}

static void test_options_bad(void **state) {
        check_bad("{}", "'host'");
        check_bad("{\"host\": 1}", "'host'");
        check_bad("{\"host\": \"ftp://x/\"}", "not an http:// or https:// URL");
        check_bad("{\"host\": \"https://\"}", "no host name");
        check_bad("{\"host\": \"https://a b/\"}", "spaces");
        check_bad("{\"host\": \"http://x/\", \"secret\": 5}", "'secret'");
        check_bad("{\"host\": \"http://x/\", \"data_dir\": \"rel/dir\"}", "'data_dir'");
        check_bad("{\"host\": \"http://x/\", \"ca_file\": \"ca.pem\"}", "'ca_file'");
        check_bad("{\"host\": \"http://x/\", \"timeout\": -1}", "'timeout'");
        check_bad("{\"host\": \"http://x/\", \"timeout\": 1.5}", "'timeout'");
        check_bad("{\"host\": \"http://x/\", \"timeout\": \"60\"}", "'timeout'");
        check_bad("{\"host\": \"http://x/\", \"timeout\": 99999999999}", "'timeout'");
        check_bad("{\"host\": \"http://x/\", \"connect_timeout\": true}", "'connect_timeout'");
        check_bad("{\"host\": \"http://x/\", \"signed_timestamp\": \"yes\"}", "'signed_timestamp'");
        check_bad("{\"host\": \"http://x/\", \"max_answer\": 0}", "'max_answer'");
        check_bad("{\"host\": \"http://x/\", \"secret_file\": \"rel\"}", "'secret_file'");
        check_bad("{\"host\": \"http://x/\", \"secret\": \"s\", \"secret_file\": \"/s\"}", "both given");
}

static void test_secret_file(void **state) {
        _cleanup_(remote_options_done) RemoteOptions o = {};
        _cleanup_free_ char *json = NULL, *error = NULL;
        char path[] = "/tmp/test-remote-secret-XXXXXX", sig[HMAC_SHA256_HEX_SIZE + 1];
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, "key\n\n", 5), 5);
        close(fd);

        assert_non_null(asprintf(&json, "{\"host\": \"http://x/\", \"secret_file\": \"%s\"}", path) > 0 ? json : NULL);
        assert_int_equal(parse(json, &o, NULL), 0);
        assert_string_equal(o.secret_file, path);
        assert_int_equal(remote_options_load_secret(&o, NULL), 0);
        assert_int_equal(o.secret_len, 3);      /* trailing newlines are not the key */
        assert_int_equal(remote_request_sign(&o, "{\"job_id\":\"J\"}", 14, sig), 0);
        assert_string_equal(sig, "2f9209964ab3eb45598000643c1b08d7dd773eb37c36208e4a8d02b673c11054");
        remote_options_done(&o);

        /* an empty key is none */
        fd = open(path, O_WRONLY | O_TRUNC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "\n", 1), 1);
        close(fd);
        assert_int_equal(parse(json, &o, NULL), 0);
        assert_int_equal(remote_options_load_secret(&o, &error), -EBADMSG);
        assert_non_null(strstr(error, "holds no usable key"));
        remote_options_done(&o);
        free(error);
        error = NULL;

        unlink(path);
        assert_int_equal(parse(json, &o, NULL), 0);
        assert_int_equal(remote_options_load_secret(&o, &error), -ENOENT);
        assert_non_null(strstr(error, "Could not read the http_remote executor's secret_file"));
        assert_non_null(strstr(error, "No such file"));

        /* no secret_file: nothing to do */
        remote_options_done(&o);
        assert_int_equal(parse("{\"host\": \"http://x/\", \"secret\": \"s\"}", &o, NULL), 0);
        assert_int_equal(remote_options_load_secret(&o, NULL), 0);
        assert_string_equal(o.secret, "s");
}

static void check_url(const char *url, int r, bool tls, bool loopback) {
        RemoteUrl u = {};
        const char *why = NULL;

        if (remote_url_parse(url, &u, &why) != r)
                fail_msg("'%s': expected %d", url, r);
        if (r < 0) {
                assert_non_null(why);
                return;
        }
        if (u.tls != tls || u.loopback != loopback)
                fail_msg("'%s': tls %d loopback %d", url, u.tls, u.loopback);
}

static void test_url(void **state) {
        check_url("https://runner.example.com/", 0, true, false);
        check_url("HTTPS://runner.example.com", 0, true, false);
        check_url("http://127.0.0.1:8080/", 0, false, true);
        check_url("http://127.1.2.3/", 0, false, true);
        check_url("http://localhost/", 0, false, true);
        check_url("http://LocalHost:1/", 0, false, true);
        check_url("http://[::1]:8080/", 0, false, true);
        check_url("http://user:pw@127.0.0.1/", 0, false, true);
        check_url("http://127.0.0.1.evil.example/", 0, false, false);
        check_url("http://localhost.evil.example/", 0, false, false);
        check_url("http://evil.example/?x=@127.0.0.1", 0, false, false);
        check_url("http://[2001:db8::1]/", 0, false, false);
        check_url("http://10.0.0.1", 0, false, false);
        check_url("file:///etc/passwd", -EINVAL, false, false);
        check_url("gopher://x/", -EINVAL, false, false);
        check_url("runner.example.com", -EINVAL, false, false);
        check_url("http://", -EINVAL, false, false);
        check_url("http://:80/", -EINVAL, false, false);
        check_url("http://[::1/", -EINVAL, false, false);
        check_url("http://a\nb/", -EINVAL, false, false);
        check_url("http://ä/", -EINVAL, false, false);
        check_url(NULL, -EINVAL, false, false);
}

static void test_url_long(void **state) {
        char *u = malloc(REMOTE_URL_MAX + 2);

        assert_non_null(u);
        memset(u, 'a', REMOTE_URL_MAX + 1);
        memcpy(u, "http://", 7);
        u[REMOTE_URL_MAX] = 0;
        assert_int_equal(remote_url_parse(u, NULL, NULL), 0);
        u[REMOTE_URL_MAX] = 'a';
        u[REMOTE_URL_MAX + 1] = 0;
        assert_int_equal(remote_url_parse(u, NULL, NULL), -EINVAL);
        free(u);
}

/* python3: hmac.new(key, body, hashlib.sha256).hexdigest() */
static void test_sign(void **state) {
        RemoteOptions o = { .secret = (char *) "key", .secret_len = 3 };
        char sig[HMAC_SHA256_HEX_SIZE + 1];
        const char *body = "{\"job_id\":\"J\"}";

        assert_int_equal(remote_request_sign(&o, body, strlen(body), sig), 0);
        assert_string_equal(sig, "2f9209964ab3eb45598000643c1b08d7dd773eb37c36208e4a8d02b673c11054");

        /* no secret: Herald signs with the empty key */
        o = (RemoteOptions) { .secret = (char *) "", .secret_len = 0 };
        assert_int_equal(remote_request_sign(&o, "{}", 2, sig), 0);
        assert_string_equal(sig, "22f8eea909400af98adf3681a9f31923ef6b7fcba4abb553d92823a3e9d5c25e");
}

static void test_request_build(void **state) {
        _cleanup_json_ cJSON *param = NULL;
        _cleanup_free_ char *body = NULL, *header = NULL, *ts = NULL;
        RemoteOptions o = { .secret = (char *) "key", .secret_len = 3 };

        assert_int_equal(json_parse("{ \"job_id\" : \"J\" }", 18, &param), 0);
        assert_int_equal(remote_request_build(param, &o, 1700000000, &body, &header, &ts), 0);
        assert_string_equal(body, "{\"job_id\":\"J\"}");
        assert_string_equal(header, "X-Herald-Signature: 2f9209964ab3eb45598000643c1b08d7dd773eb37c36208e4a8d02b673c11054");
        assert_null(ts);

        /* signed_timestamp: the MAC covers "<ts>.<body>", as a replay window wants;
         * python3: hmac.new(b"key", b'1700000000.{"job_id":"J"}', hashlib.sha256).hexdigest() */
        free(body);
        free(header);
        o.signed_timestamp = true;
        assert_int_equal(remote_request_build(param, &o, 1700000000, &body, &header, &ts), 0);
        assert_string_equal(ts, "X-Herald-Timestamp: 1700000000");
        assert_string_equal(header, "X-Herald-Signature: 2f2963ed7cf6ee0b2cb61635a85f2a4a2db41927a62ca6aeb765f4021466eeb9");
        /* ... which the receiving side's check takes, once */
        _cleanup_(signature_cache_freep) SignatureCache *cache = NULL;
        assert_int_equal(signature_cache_new(0, &cache), 0);
        assert_int_equal(signature_verify((const uint8_t *) "key", 3, header + strlen("X-Herald-Signature: "), NULL,
                                          "1700000000", body, strlen(body), 300, 1700000100, cache),
                         SIGNATURE_OK);
        assert_int_equal(signature_verify((const uint8_t *) "key", 3, header + strlen("X-Herald-Signature: "), NULL,
                                          "1700000000", body, strlen(body), 300, 1700000100, cache),
                         SIGNATURE_REPLAYED);
        o.signed_timestamp = false;
        free(ts);
        ts = NULL;

        /* the body is what the runner parses: integers keep every digit */
        cJSON_Delete(param);
        free(body);
        free(header);
        const char *big = "{\"trigger_param\":{\"n\":18446744073709551615,\"s\":\"\\u00e9<\"}}";
        assert_int_equal(json_parse(big, strlen(big), &param), 0);
        assert_int_equal(remote_request_build(param, &o, 0, &body, &header, &ts), 0);
        assert_non_null(strstr(body, "18446744073709551615"));
        assert_true(startswith(header, "X-Herald-Signature: "));
        assert_int_equal(strlen(header), strlen("X-Herald-Signature: ") + HMAC_SHA256_HEX_SIZE);
}

static void test_classify(void **state) {
        assert_int_equal(remote_answer_classify(200, "application/json"), REMOTE_ANSWER_JSON);
        assert_int_equal(remote_answer_classify(200, "Application/JSON; charset=utf-8"), REMOTE_ANSWER_JSON);
        assert_int_equal(remote_answer_classify(200, "  application/json  "), REMOTE_ANSWER_JSON);
        assert_int_equal(remote_answer_classify(200, "multipart/form-data; boundary=abc"), REMOTE_ANSWER_MULTIPART);
        assert_int_equal(remote_answer_classify(200, "multipart/form-data"), REMOTE_ANSWER_MULTIPART);
        assert_int_equal(remote_answer_classify(200, "multipart/mixed; boundary=abc"), REMOTE_ANSWER_BAD_TYPE);
        assert_int_equal(remote_answer_classify(200, "application/jsonx"), REMOTE_ANSWER_BAD_TYPE);
        assert_int_equal(remote_answer_classify(200, "text/html"), REMOTE_ANSWER_BAD_TYPE);
        assert_int_equal(remote_answer_classify(200, ""), REMOTE_ANSWER_BAD_TYPE);
        assert_int_equal(remote_answer_classify(200, NULL), REMOTE_ANSWER_BAD_TYPE);
        assert_int_equal(remote_answer_classify(401, "application/json"), REMOTE_ANSWER_BAD_STATUS);
        assert_int_equal(remote_answer_classify(201, "application/json"), REMOTE_ANSWER_BAD_STATUS);
        assert_int_equal(remote_answer_classify(302, NULL), REMOTE_ANSWER_BAD_STATUS);
        assert_int_equal(remote_answer_classify(0, NULL), REMOTE_ANSWER_BAD_STATUS);
}

static void check_json(const char *body, bool success, const char *error, const char *result) {
        _cleanup_(job_result_done) JobResult r = {};
        _cleanup_free_ char *text = NULL;

        assert_int_equal(remote_result_from_json(body, strlen(body), &r), 0);
        text = cJSON_PrintUnformatted(r.result);
        if (r.success != success || !streq(r.error, error) || !streq(text, result))
                fail_msg("'%s': %d '%s' %s", body, r.success, r.error, text);
}

static void test_result_json(void **state) {
        check_json("{\"exit_code\":0,\"output\":\"\"}", true, "", "{\"exit_code\":0,\"output\":\"\"}");
        check_json("{\"a\":1}", true, "", "{\"a\":1}");
        check_json("{\"exit_code\":3,\"output\":\"x\"}", false, "Command failed with code 3", "{\"exit_code\":3,\"output\":\"x\"}");
        check_json("{\"exit_code\":-1}", false, "Command failed with code -1", "{\"exit_code\":-1}");
        check_json("{\"exit_code\":\"0\"}", false, "The remote runner's result has an exit_code that is not an integer",
                   "{\"exit_code\":\"0\"}");
        check_json("[1,2]", false, "The remote runner's answer is not a JSON object", "{}");
        check_json("", false, "The remote runner's answer is not a JSON object", "{}");
        check_json("{\"a\":", false, "The remote runner's answer is not a JSON object", "{}");
        check_json("{} x", false, "The remote runner's answer is not a JSON object", "{}");
        check_json("{\"big\":18446744073709551615}", true, "", "{\"big\":18446744073709551615}");

        /* A JSON answer brings no files: the runner's paths must not pass for local ones. */
        check_json("{\"exit_code\":0,\"file\":{\"shadow\":\"/etc/shadow\"}}", false, REMOTE_ERROR_FILES_NOT_SENT,
                   "{\"exit_code\":0}");
        check_json("{\"exit_code\":3,\"output\":\"x\",\"file\":{\"a\":\"a.txt\"}}", false, REMOTE_ERROR_FILES_NOT_SENT,
                   "{\"exit_code\":3,\"output\":\"x\"}");
        check_json("{\"file\":\"/etc/shadow\"}", false, REMOTE_ERROR_FILES_NOT_SENT, "{}");
        check_json("{\"file\":{},\"file\":{\"a\":\"/etc/shadow\"}}", false, REMOTE_ERROR_FILES_NOT_SENT, "{}");
        check_json("{\"exit_code\":0,\"file\":{}}", true, "", "{\"exit_code\":0,\"file\":{}}");
        check_json("{\"exit_code\":0,\"file\":null}", true, "", "{\"exit_code\":0,\"file\":null}");
}

static void check_refused(long status, const char *ct, const char *body, const char *expected) {
        _cleanup_free_ char *text = NULL;

        assert_int_equal(remote_error_refused(status, ct, body, body ? strlen(body) : 0, &text), 0);
        assert_string_equal(text, expected);
}

static void test_refused(void **state) {
        char long_body[500];

        check_refused(401, "text/plain", "signature mismatch\n", "The remote runner answered HTTP 401: signature mismatch");
        check_refused(500, NULL, NULL, "The remote runner answered HTTP 500");
        check_refused(502, "text/html", "<b>\x01\xff</b>\r\n", "The remote runner answered HTTP 502: <b>  </b>");
        check_refused(200, NULL, "x", "The remote runner answered without a Content-Type (expected application/json or multipart/form-data)");
        check_refused(200, "text/html\x1b", "x",
                      "The remote runner answered with Content-Type 'text/html' (expected application/json or multipart/form-data)");

        memset(long_body, 'z', sizeof long_body - 1);
        long_body[sizeof long_body - 1] = 0;
        _cleanup_free_ char *text = NULL;
        assert_int_equal(remote_error_refused(503, NULL, long_body, strlen(long_body), &text), 0);
        assert_int_equal(strlen(text), strlen("The remote runner answered HTTP 503: ") + REMOTE_ERROR_BODY_MAX);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_options_defaults),
                cmocka_unit_test(test_options_all),
                cmocka_unit_test(test_options_bad),
                cmocka_unit_test(test_secret_file),
                cmocka_unit_test(test_url),
                cmocka_unit_test(test_url_long),
                cmocka_unit_test(test_sign),
                cmocka_unit_test(test_request_build),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_result_json),
                cmocka_unit_test(test_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
