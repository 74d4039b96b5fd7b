/* SPDX-License-Identifier: MIT */
/* done.h: herald-done DIR */
#pragma once

#include "job-dir.h"

int done_main(const char *dir);
