/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_TEST_CAPTURE_H
#define DPOCTL_TEST_CAPTURE_H

#include <stdbool.h>
#include <stdio.h>

#include "print.h"

/* Runs @fn with the print engine writing to a string (free() it). */
static char *capture(bool json, void (*fn)(void))
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	dpoctl_pr_init(f, json);
	fn();
	fclose(f);
	return out;
}

#endif
