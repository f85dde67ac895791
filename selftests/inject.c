// SPDX-License-Identifier: GPL-2.0
/* Per-request regressions of the fixture servers; see inject.h. */
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "inject.h"

static unsigned long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void inject_cpu(unsigned long us)
{
	unsigned long long end = thread_cpu_ns() + us * 1000ull;
	volatile unsigned long x = 0;

	while (thread_cpu_ns() < end) {
		int i;

		for (i = 0; i < 1000; i++)
			x += i;
	}
}

int inject_faults(unsigned long kb, bool keep)
{
	size_t len = kb * 1024, off, page = sysconf(_SC_PAGESIZE);
	char *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* 4 KiB pages, so that the fault count does not depend on THP */
	madvise(p, len, MADV_NOHUGEPAGE);
	for (off = 0; off < len; off += page)
		p[off] = 1;
	if (!keep)
		munmap(p, len);
	return 0;
}

void inject_sleep(unsigned long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

void inject_hang(void)
{
	for (;;)
		pause();
}
