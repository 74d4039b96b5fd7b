/* SPDX-License-Identifier: MIT */
/* git-fetch.h: herald-git's clone, fetch and checkout (libgit2) */
#pragma once

#include "git-options.h"

int git_fetch_checkout(const GitSyncOptions *o, int progress_fd, char **ret_error);
