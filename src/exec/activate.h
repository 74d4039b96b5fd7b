/* SPDX-License-Identifier: MIT */
/* activate.h: herald-exec activate */
#pragma once

int activate_main(int argc, char **argv);
