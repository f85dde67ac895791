/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the dpo selftests that do not speak netlink: workload child
 * processes driven over pipes, /proc readers, clocks, and loading or
 * unloading the module with the raw syscalls.
 */
#ifndef DPO_SELFTEST_PROC_UTIL_H
#define DPO_SELFTEST_PROC_UTIL_H

#include <stdbool.h>
#include <sys/types.h>
#include <linux/types.h>

__u64 now_ns(void);		/* CLOCK_MONOTONIC, as DPO_STATS_A_TIMESTAMP_NS */
void sleep_ms(unsigned int ms);
/* @len bytes of zeroes shared with the children forked later, or MAP_FAILED. */
void *shared_mem(size_t len);
/* fork() after flushing stdio (so that nothing buffered is written twice). */
pid_t fork_flushed(void);
/*
 * fork_flushed() a child driven over two pipes: *@cmd_fd gets the command
 * pipe's end (read end in the child, write end in the parent), *@rep_fd the
 * report pipe's. The pid (0 in the child) or -errno, nothing left open.
 */
pid_t fork_piped(int *cmd_fd, int *rep_fd);
/*
 * Undo fork_piped(): SIGKILL and reap *@pid if > 0, close *@cmd_fd and
 * *@rep_fd if >= 0; all three set to -1.
 */
void kill_piped(pid_t *pid, int *cmd_fd, int *rep_fd);
/* No supplementary groups, real/effective/saved uid and gid @id; 0 or -1. */
int drop_root(uid_t id);
/* Close the fds of @fds[@n] that are >= 0 (for teardowns). */
void close_fds(const int *fds, int n);
/* Note @fd in @fds (@n of @max used) if it is >= 0 and fits; returns @fd. */
int keep_fd(int *fds, int *n, int max, int fd);
/* Close @fd, marking it closed (-1) in @fds[@n]. */
void drop_fd(int *fds, int n, int fd);
/*
 * Read exactly @len bytes within @ms (@fd may be non-blocking); 0, -EPIPE
 * on EOF, -ETIMEDOUT or -errno.
 */
int read_within(int fd, void *buf, size_t len, int ms);

/*
 * A page that holds whoever touches it in the kernel (a syscall copying
 * from it) until uffd_release(): *@page is mapped, the userfaultfd is
 * returned (or -errno: -ENOSYS/-EPERM when userfaultfd is not there).
 * uffd_wait_fault(): 0 once a task waits for the page, or -ETIMEDOUT.
 */
int uffd_page(void **page);
int uffd_wait_fault(int uffd, int ms);
int uffd_release(int uffd, void *page);
void uffd_close(int uffd, void *page);

/*
 * A workload child. It maps @pages pages (MADV_NOHUGEPAGE) before it
 * answers, then obeys one-byte commands on a pipe and answers each with
 * the same byte plus a struct child_report:
 *   'p'  ping
 *   'b'  burn @burn_ms of CPU in the main thread
 *   't'  touch every mapped page once (first touch: one minor fault each)
 *   'T'  start @threads threads, which wait (answered once all run)
 *   'g'  let them burn @burn_ms each and touch @pages pages each of their
 *        own mapping, then exit; answered after all are joined
 *   'S'  start @threads threads that sleep forever (answered once running)
 *   'x'  exit(3)   'k' raise(SIGKILL)
 * The child exits when the command pipe closes.
 */
struct child_cfg {
	unsigned int pages;
	unsigned int burn_ms;
	unsigned int threads;
};

struct child_report {
	__u64 cpu_ns;		/* CLOCK_PROCESS_CPUTIME_ID after the command */
	__u64 minflt;		/* getrusage(RUSAGE_SELF).ru_minflt */
	__u32 threads;		/* threads of the process now */
	__u32 tids[8];		/* 'T'/'S': thread ids */
};

struct child {
	pid_t pid;
	int cmd_fd, rep_fd;
};

/* 0 or -errno; the child is ready (its mapping exists) on success. */
int child_start(struct child *c, const struct child_cfg *cfg);
/* Send @cmd and wait for its answer; 0, -ETIMEDOUT or -errno. */
int child_cmd(struct child *c, char cmd, struct child_report *r, int timeout_ms);
/* Send @cmd without waiting (for 'x' and 'k'). */
int child_send(struct child *c, char cmd);
/* SIGKILL and reap if still there; safe to call twice. */
void child_kill(struct child *c);
/* waitpid() with a timeout; 0 and *status, or -ETIMEDOUT. */
int child_reap(struct child *c, int *status, int timeout_ms);

/* A pid that is not in use right now (a reaped child's). */
pid_t unused_pid(void);

struct proc_stat {
	char state;
	__u64 minflt, majflt, utime, stime;	/* utime/stime: clock ticks */
	__u64 num_threads, starttime, rss_pages;
};
int proc_stat_read(pid_t pid, struct proc_stat *ps);

/* The number a file (of /proc or /sys) starts with, or -1. */
long read_long(const char *path);
/* The start of a file (of /proc or /sys), NUL-terminated; its length or -1. */
ssize_t read_text(const char *path, char *buf, size_t len);
/* @fn(@pid, tid, @arg) for each thread of @pid; 0, or -1 (no task list). */
int for_each_thread(pid_t pid, void (*fn)(pid_t pid, pid_t tid, void *arg),
		    void *arg);
/*
 * Threads of @pid asleep (state S) in a syscall number for which
 * @match(nr, @arg) is true, by /proc/@pid/task/TID/syscall; the last one's
 * tid in *@tid if not NULL. 0 when the task list cannot be read.
 */
int threads_asleep_in(pid_t pid, bool (*match)(long nr, const void *arg),
		      const void *arg, pid_t *tid);
/* Sum of active_objs * objsize over /proc/slabinfo, or -1. */
long long slab_bytes(void);
/* A /proc/meminfo value in kB, or -1. */
long long meminfo_kb(const char *key);

/* Module control. */
const char *kmod_path(void);	/* $DPO_KO, default /lib/dpo.ko */
bool kmod_loaded(void);		/* /sys/module/dpo exists */
int kmod_load(void);		/* finit_module(); 0 or -errno */
int kmod_unload(void);		/* delete_module(O_NONBLOCK); 0 or -errno */
long kmod_refcnt(void);		/* /sys/module/dpo/refcnt, or -1 */
/*
 * The refcnt once it is @want, or what it is after @timeout_ms: a detached
 * listener's reference goes one RCU-tasks grace period after LISTENER_DEL.
 */
long kmod_refcnt_settle(long want, int timeout_ms);

#endif /* DPO_SELFTEST_PROC_UTIL_H */
