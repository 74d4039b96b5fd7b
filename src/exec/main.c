/* SPDX-License-Identifier: MIT */
/* herald-exec: the programs' runtime side: activation of a firing (job and result verbs follow) */
#include "activate.h"
#include "config.h"
#include "log.h"

static void help(void) {
        printf("Usage: herald-exec VERB [OPTIONS...]\n\n"
               "Verbs:\n"
               "  activate --workflow FILE --trigger NAME   one firing of a trigger (run by its timer)\n\n"
               "herald-exec is run by systemd units that herald writes; it is not meant to be run by hand.\n");
}

static int run(int argc, char **argv) {
        if (argc < 2 || streq(argv[1], "-h") || streq(argv[1], "--help")) {
                help();
                return argc < 2 ? -EINVAL : 0;
        }
        if (streq(argv[1], "--version")) {
                printf("herald-exec (herald) %s\n", HERALD_VERSION);
                return 0;
        }
        if (streq(argv[1], "activate"))
                return activate_main(argc - 1, argv + 1);
        return log_error_errno(EINVAL, "Unknown verb '%s'.", argv[1]);
}

int main(int argc, char **argv) {
        log_setup("herald-exec", LOG_TARGET_STDERR);
        return run(argc, argv) < 0 ? 1 : 0;
}
