// SPDX-License-Identifier: GPL-2.0
/* Tests of print.c: text tables, records and JSON. */
#include <math.h>
#include <stdlib.h>

#include "capture.h"
#include "print.h"
#include "test.h"

static void test_json_escape(void)
{
	static const struct {
		const char *name, *in, *want;
	} c[] = {
		{ "plain", "demo-1", "demo-1" },
		{ "quote, backslash", "a\"b\\c", "a\\\"b\\\\c" },
		{ "newline, tab", "l1\nl2\t", "l1\\nl2\\t" },
		{ "cr, bs, ff", "\r\b\f", "\\r\\b\\f" },
		{ "other controls", "\x01\x1f", "\\u0001\\u001f" },
		{ "DEL stays", "\x7f", "\x7f" },
		{ "2-byte UTF-8", "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "3-byte UTF-8", "\xe2\x82\xac", "\xe2\x82\xac" },
		{ "4-byte UTF-8", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
		{ "bad byte", "a\xff" "b", "a\\ufffdb" },
		{ "cut sequence", "a\xc3", "a\\ufffd" },
		{ "overlong", "\xc0\xaf", "\\ufffd\\ufffd" },
		{ "overlong 3-byte", "\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd" },
		{ "surrogate", "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd" },
		{ "above U+10FFFF", "\xf4\x90\x80\x80",
		  "\\ufffd\\ufffd\\ufffd\\ufffd" },
		{ "lone continuation", "\x80" "x", "\\ufffdx" },
	};
	char buf[64], name[64];
	size_t i, n;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		n = dpoctl_json_escape(buf, sizeof(buf), c[i].in);
		snprintf(name, sizeof(name), "json escape: %s", c[i].name);
		check_str(name, buf, c[i].want);
		if (n != strlen(c[i].want))
			printf("#   length %zu, want %zu\n", n, strlen(c[i].want));
	}
	n = dpoctl_json_escape(buf, 5, "ab\"cd");
	result(n == 6 && !strcmp(buf, "ab\\\""),
	       "json escape: truncated like snprintf");
	n = dpoctl_json_escape(buf, 4, "ab\"cd");
	result(n == 6 && !strcmp(buf, "ab"),
	       "json escape: never half an escape");
	result(dpoctl_json_escape(NULL, 0, "\n") == 2, "json escape: size 0 measures");

	dpoctl_text_sanitize(buf, sizeof(buf), "a\nb\x1b[31m\x7f");
	check_str("text sanitize: controls", buf, "a?b?[31m?");
	dpoctl_text_sanitize(buf, 3, "abcdef");
	check_str("text sanitize: truncates", buf, "ab");
}

static void two_sessions(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("name", NULL, 16, "alpha");
	dpoctl_pr_u64("interval_ms", NULL, 11, 100);
	dpoctl_pr_u64("instances", NULL, 9, 2);
	dpoctl_pr_row_end();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("name", NULL, 16, "b\"q");
	dpoctl_pr_u64("interval_ms", NULL, 11, 10000);
	dpoctl_pr_u64("instances", NULL, 9, 0);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

static void empty_list(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, true);
	dpoctl_pr_end();
}

static void mixed_row(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("a", "A", 3, "v");
	dpoctl_pr_nest_begin("n");
	dpoctl_pr_u64("x", NULL, 3, 1);
	dpoctl_pr_null("y", NULL, 3);
	dpoctl_pr_nest_end();
	dpoctl_pr_double("d", NULL, 5, 2, 1.5);
	dpoctl_pr_double("inf", NULL, 4, 1, INFINITY);
	dpoctl_pr_str(NULL, "T", 1, "text-only");
	dpoctl_pr_u64("j", NULL, 0, 7);
	dpoctl_pr_row_end();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("a", "A", 3, "w\n");
	dpoctl_pr_nest_begin("n");
	dpoctl_pr_u64("x", NULL, 3, 22);
	dpoctl_pr_null("y", NULL, 3);
	dpoctl_pr_nest_end();
	dpoctl_pr_double("d", NULL, 5, 2, 0.125);
	dpoctl_pr_double("inf", NULL, 4, 1, NAN);
	dpoctl_pr_str(NULL, "T", 1, "t");
	dpoctl_pr_u64("j", NULL, 0, 8);
	dpoctl_pr_row_end();
}

static void record(void)
{
	dpoctl_pr_begin(DPOCTL_PR_RECORD, false);
	dpoctl_pr_row_begin();
	dpoctl_pr_str("version", NULL, 1, "0.1.0");
	dpoctl_pr_u64("sessions", NULL, 1, 3);
	dpoctl_pr_null("avg_sample_ns", NULL, 1);
	dpoctl_pr_u64("hidden", NULL, 0, 1);
	dpoctl_pr_row_end();
	dpoctl_pr_end();
}

static bool header_only_result;
static void header_then_rows(void)
{
	dpoctl_pr_begin(DPOCTL_PR_TABLE, false);
	header_only_result = dpoctl_pr_header_only();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("k", NULL, 4, "fake");
	dpoctl_pr_row_end();
	dpoctl_pr_row_begin();
	dpoctl_pr_str("k", NULL, 4, "real");
	dpoctl_pr_row_end();
}

static void test_print(void)
{
	char *s;

	s = capture(false, two_sessions);
	check_str("text table: header once, aligned", s,
		  "NAME              INTERVAL_MS  INSTANCES\n"
		  "alpha                     100          2\n"
		  "b\"q                     10000          0\n");
	free(s);
	s = capture(true, two_sessions);
	check_str("json list: one array", s,
		  "[{\"name\":\"alpha\",\"interval_ms\":100,\"instances\":2},"
		  "{\"name\":\"b\\\"q\",\"interval_ms\":10000,\"instances\":0}]\n");
	free(s);
	s = capture(false, empty_list);
	check_str("text empty list: nothing", s, "");
	free(s);
	s = capture(true, empty_list);
	check_str("json empty list: []", s, "[]\n");
	free(s);
	s = capture(true, mixed_row);
	check_str("json rows: nest, null, double, one object per line", s,
		  "{\"a\":\"v\",\"n\":{\"x\":1,\"y\":null},\"d\":1.50,"
		  "\"inf\":null,\"j\":7}\n"
		  "{\"a\":\"w\\n\",\"n\":{\"x\":22,\"y\":null},\"d\":0.12,"
		  "\"inf\":null,\"j\":8}\n");
	free(s);
	s = capture(false, mixed_row);
	check_str("text rows: text-only and JSON-only fields", s,
		  "A      X    Y      D   INF  T\n"
		  "v      1    -   1.50     -  text-only\n"
		  "w?    22    -   0.12     -  t\n");
	free(s);
	s = capture(false, record);
	check_str("text record: name value lines", s,
		  "version         0.1.0\n"
		  "sessions        3\n"
		  "avg_sample_ns   -\n");
	free(s);
	s = capture(true, record);
	check_str("json record: one object", s,
		  "{\"version\":\"0.1.0\",\"sessions\":3,\"avg_sample_ns\":null,"
		  "\"hidden\":1}\n");
	free(s);
	s = capture(false, header_then_rows);
	result(header_only_result && !strcmp(s, "K\nreal\n"),
	       "text header only: first row swallowed");
	free(s);
	s = capture(true, header_then_rows);
	result(!header_only_result, "json header only: refused");
	free(s);
}

int main(void)
{
	test_json_escape();
	test_print();
	return test_done();
}
