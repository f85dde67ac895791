// SPDX-License-Identifier: GPL-2.0
/*
 * dpo_stamp: copy standard input to standard output, each line prefixed
 * with the CLOCK_MONOTONIC time it was read at, in seconds ("%.3f "): the
 * clock of dpoctl's events (mono_ns), so that a client's messages (pgbench
 * has no time on its errors) can be placed among a patch's phases.
 * A line is stamped when its first byte arrives.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int at_start = 1, c;

	if (argc > 1) {
		fprintf(stderr, "usage: %s < INPUT\n%s",
			argv[0], strcmp(argv[1], "--help") ? "" :
			"Prefixes each line of INPUT with the CLOCK_MONOTONIC time it was read at.\n");
		return strcmp(argv[1], "--help") ? 1 : 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getchar()) != EOF) {
		if (at_start)
			printf("%.3f ", mono_s());
		putchar(c);
		at_start = c == '\n';
	}
	if (!at_start)
		putchar('\n');
	return ferror(stdin) || fflush(stdout) ? 1 : 0;
}
