// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark (not a test): what one dpo sample of a 64-thread process costs
 * in the module, against reading the same counters from /proc in
 * userspace, measured in one run. Prints ratios; absolute numbers depend
 * on the machine (and are inflated under TCG emulation).
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "../dpo_nl.h"

#define THREADS		64
#define INTERVAL_MS	10
#define RUN_MS		3000
#define PROC_ROUNDS	200

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static pid_t spawn_threads(int n)
{
	pid_t pid = fork();
	pthread_t t;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int i = 1; i < n; i++)
		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(1);
	sleeper(NULL);
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int status(struct dt_sock *nl, struct dt_obj *o)
{
	struct dt_msg m;
	struct dt_ack ack;

	dt_msg_dpo(&m, nl, DPO_CMD_STATUS_GET, 0);
	return dt_request(nl, &m, &ack, o);
}

static int request(struct dt_sock *nl, __u8 cmd, const char *session,
		   __u32 pid, __u32 interval)
{
	struct dt_msg m;
	struct dt_ack ack;
	int err;

	dt_msg_dpo(&m, nl, cmd, 0);
	if (session)
		dt_put_str(&m, DPO_A_SESSION_NAME, session);
	if (pid)
		nlm_put_u32(&m, DPO_A_PID, pid);
	if (cmd == DPO_CMD_INSTANCE_ADD)
		nlm_put_u8(&m, DPO_A_ROLE, DPO_ROLE_ORIGINAL);
	if (interval)
		nlm_put_u32(&m, DPO_A_INTERVAL_MS, interval);
	err = dt_request(nl, &m, &ack, NULL);
	if (err)
		fprintf(stderr, "request %u: %s (%s)\n", cmd, strerror(-err),
			ack.msg);
	return err;
}

/* The userspace way: every thread's stat and schedstat from /proc. */
static double proc_walk_ns(pid_t pid)
{
	char path[320], buf[1024];
	unsigned long long sum = 0;
	double t0 = now_ns();

	for (int r = 0; r < PROC_ROUNDS; r++) {
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		dir = opendir(path);
		if (!dir)
			return -1;
		while ((d = readdir(dir))) {
			static const char *const files[] = { "stat", "schedstat" };

			if (d->d_name[0] == '.')
				continue;
			for (int f = 0; f < 2; f++) {
				FILE *fp;

				snprintf(path, sizeof(path), "/proc/%d/task/%s/%s",
					 pid, d->d_name, files[f]);
				fp = fopen(path, "r");
				if (!fp)
					continue;
				if (fgets(buf, sizeof(buf), fp))
					sum += strlen(buf);
				fclose(fp);
			}
		}
		closedir(dir);
		/* And the RSS, once per process. */
		snprintf(path, sizeof(path), "/proc/%d/statm", pid);
		FILE *fp = fopen(path, "r");

		if (fp) {
			if (fgets(buf, sizeof(buf), fp))
				sum += strlen(buf);
			fclose(fp);
		}
	}
	if (!sum)
		return -1;
	return (now_ns() - t0) / PROC_ROUNDS;
}

/* One process of @threads threads sampled for RUN_MS; 0 or 1. */
static int measure(struct dt_sock *nl, int threads)
{
	struct dt_obj before, after;
	double dpo_ns, proc_ns, samples;
	pid_t pid;

	pid = spawn_threads(threads);
	usleep(300000);

	if (request(nl, DPO_CMD_SESSION_NEW, "bench", 0, INTERVAL_MS) ||
	    request(nl, DPO_CMD_INSTANCE_ADD, "bench", pid, 0) ||
	    status(nl, &before))
		return 1;
	usleep(RUN_MS * 1000);
	if (status(nl, &after) ||
	    request(nl, DPO_CMD_SESSION_DEL, "bench", 0, 0))
		return 1;

	samples = after.samples - before.samples;
	dpo_ns = (after.sample_time_ns - before.sample_time_ns) / samples;
	proc_ns = proc_walk_ns(pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	printf("# sample_cost: %d threads, interval %d ms, %.0f samples in %d ms\n",
	       threads, INTERVAL_MS, samples, RUN_MS);
	printf("# sample_cost: %d threads: dpo module %.0f ns/sample; /proc walk (stat+schedstat per thread, statm) %.0f ns (%.1fx)\n",
	       threads, dpo_ns, proc_ns, proc_ns / dpo_ns);
	printf("# sample_cost: %d threads: at 10 Hz the module spends %.4f%% of one core on this process\n",
	       threads, dpo_ns * 10 / 1e9 * 100);
	return 0;
}

int main(void)
{
	static const int threads[] = { 1, 8, THREADS };
	struct dt_sock nl;
	size_t i;

	if (dt_open(&nl) || dt_resolve(&nl)) {
		fprintf(stderr, "sample_cost: dpo module not loaded\n");
		return 1;
	}
	for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++)
		if (measure(&nl, threads[i]))
			return 1;
	dt_close(&nl);
	return 0;
}
