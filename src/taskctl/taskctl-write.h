/* SPDX-License-Identifier: MIT */
/* taskctl-write.h: the verbs that check and install workflows */
#pragma once

int verb_validate(int argc, char **argv);
int verb_plan(int argc, char **argv);
int verb_apply(int argc, char **argv);
int verb_reload(int argc, char **argv);
