/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_TEST_H
#define DPOCTL_TEST_H

/*
 * The checks of dpoctl's unit tests: one TAP line each, then
 * test_done() prints the plan and gives the exit status.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tests, failed;

static void result(int ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), unused));

static void result(int ok, const char *fmt, ...)
{
	va_list ap;

	tests++;
	failed += !ok;
	printf("%sok %d - ", ok ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static __attribute__((unused)) void skip(const char *name, const char *why)
{
	tests++;
	printf("ok %d - %s # SKIP %s\n", tests, name, why);
}

static __attribute__((unused)) void check_str(const char *name,
					      const char *got,
					      const char *want)
{
	result(!strcmp(got, want), "%s", name);
	if (strcmp(got, want))
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n", got, want);
}

static __attribute__((unused)) void check_int(const char *name,
					      long long got, long long want)
{
	result(got == want, "%s", name);
	if (got != want)
		printf("#   got %lld, want %lld\n", got, want);
}

static __attribute__((unused)) void check_near(const char *name, double got,
					       double want)
{
	bool ok = fabs(got - want) < 1e-9 * (fabs(want) + 1);

	result(ok, "%s", name);
	if (!ok)
		printf("#   got %.12g, want %.12g\n", got, want);
}

/* All of @fd from its start, then closed: a string to free. */
static __attribute__((unused)) char *read_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, s + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap)
			s = realloc(s, cap *= 2);
	}
	s[len] = '\0';
	close(fd);
	return s;
}

static __attribute__((unused)) int test_done(void)
{
	printf("1..%d\n", tests);
	if (failed)
		printf("# %d of %d failed\n", failed, tests);
	return failed ? 1 : 0;
}

#endif
