/* SPDX-License-Identifier: MIT */
/* activate.h: one firing of a trigger (herald-activate) */
#pragma once

int activate_run(const char *workflow, const char *trigger);
