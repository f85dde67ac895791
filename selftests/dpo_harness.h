/* SPDX-License-Identifier: GPL-2.0 */
/* kselftest harness plus the checks every dpo selftest uses. */
#ifndef DPO_SELFTEST_HARNESS_H
#define DPO_SELFTEST_HARNESS_H

#include <errno.h>
#include <string.h>

#include "kselftest_harness.h"
#include "dpo_req.h"
#include "proc_util.h"

/* The request must succeed. */
#define ASSERT_NL_OK(expr, ack) do {					\
	int __r = (expr);						\
	ASSERT_EQ(0, __r) {						\
		TH_LOG("%s: errno %d, extack '%s'", #expr, (ack).err,	\
		       (ack).msg);					\
	}								\
} while (0)

#define EXPECT_NL_OK(expr, ack) do {					\
	int __r = (expr);						\
	EXPECT_EQ(0, __r) {						\
		TH_LOG("%s: errno %d, extack '%s'", #expr, (ack).err,	\
		       (ack).msg);					\
	}								\
} while (0)

static inline const char *__nl_text(const char *t)
{
	return t;
}

/*
 * The request must fail with @errno_ and extack message @text; @text NULL:
 * any non-empty message (kernel policy texts we do not pin down).
 */
#define EXPECT_NL_ERR(expr, ack, errno_, text) do {			\
	int __r = (expr);						\
	const char *__t = __nl_text(text);				\
	EXPECT_EQ(-(errno_), __r) {					\
		TH_LOG("%s: want %s, got errno %d, extack '%s'", #expr,\
		       #errno_, (ack).err, (ack).msg);			\
	}								\
	if (__t) {							\
		EXPECT_STREQ(__t, (ack).msg);				\
	} else {							\
		EXPECT_NE(0, (int)strlen((ack).msg)) {			\
			TH_LOG("%s: no extack message", #expr);		\
		}							\
	}								\
} while (0)

/* The ack names the missing attribute. */
#define EXPECT_MISS(ack, type) do {					\
	EXPECT_TRUE((ack).has_miss_type);				\
	EXPECT_EQ((__u32)(type), (ack).miss_type);			\
} while (0)

/* The ack points at the attribute at @off in the request. */
#define EXPECT_OFFS(ack, off) do {					\
	EXPECT_TRUE((ack).has_offs);					\
	EXPECT_EQ((__u32)(off), (ack).offs);				\
} while (0)

/*
 * Call first in every FIXTURE_TEARDOWN: a failed ASSERT_*() longjmp()s out
 * with _metadata->trigger still set, which would make the first EXPECT_*()
 * of the teardown run its failure block even when it passes.
 */
static inline void teardown_begin(struct __test_metadata *_metadata)
{
	_metadata->trigger = 0;
}

/* For teardowns: back to no session and no instance, or say what is left. */
#define EXPECT_RESET(nl) do {						\
	struct dt_obj __st = { 0 };					\
	int __r = dt_reset((nl), 3000);				\
	EXPECT_EQ(0, __r) {						\
		dt_status((nl), &__st, NULL);				\
		TH_LOG("cleanup: %s; %u sessions, %u instances left",	\
		       strerror(-__r), __st.sessions, __st.instances);	\
	}								\
} while (0)

/* For setups: load dpo.ko again if an earlier test left it unloaded. */
static inline void kmod_ensure_loaded(struct __test_metadata *_metadata)
{
	if (!kmod_loaded()) {
		int ret = kmod_load();

		TH_LOG("module was not loaded; loading %s: %s", kmod_path(),
		       strerror(-ret));
	}
}

/* For teardowns of tests that unload dpo.ko: it must be loaded again. */
#define EXPECT_KMOD_RELOADED() do {					\
	if (!kmod_loaded()) {						\
		EXPECT_EQ(0, kmod_load()) {				\
			TH_LOG("cannot reload %s", kmod_path());	\
		}							\
	}								\
} while (0)

/* For teardowns: EXPECT_RESET() and close @nl, if it was opened. */
#define EXPECT_RESET_CLOSE(nl) do {					\
	if ((nl)->fd >= 0) {						\
		EXPECT_RESET(nl);					\
		dt_close(nl);						\
	}								\
} while (0)

/* Fixture setups: connect @nl (dpo.ko must be loaded), then reset dpo. */
#define ASSERT_CONNECT_RESET(nl) do {					\
	ASSERT_EQ(0, dt_connect(nl)) {					\
		TH_LOG("family \"%s\" not found: is dpo.ko loaded?",	\
		       DPO_GENL_NAME);					\
	}								\
	ASSERT_EQ(0, dt_reset((nl), 3000));				\
} while (0)

#endif /* DPO_SELFTEST_HARNESS_H */
