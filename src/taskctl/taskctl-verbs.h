/* SPDX-License-Identifier: MIT */
/* taskctl-verbs.h: the verbs of taskctl, one function each */
#pragma once

/* Each verb gets argv[0] = the verb's name and parses its own options with getopt_long.
 * Return: 0 on success, a negative errno on error (already logged), or a positive exit
 * status (below). */
int verb_list(int argc, char **argv);
int verb_status(int argc, char **argv);
int verb_logs(int argc, char **argv);
int verb_history(int argc, char **argv);

/* Exit statuses of the read verbs, as systemctl's status uses LSB's. */
#define TASKCTL_EXIT_FAILED 3           /* status JOB: the job failed, or has no result yet */
#define TASKCTL_EXIT_NOT_FOUND 4        /* no such router or job */
#define TASKCTL_EXIT_NO_ACCESS 4        /* the caller may not read the journal */
