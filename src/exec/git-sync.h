/* SPDX-License-Identifier: MIT */
/* git-sync.h: bring a job's git checkout up to date, within a time limit (runs herald-git) */
#pragma once

#include "git-options.h"

int git_sync(const GitSyncOptions *o, char **ret_error);
