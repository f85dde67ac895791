// SPDX-License-Identifier: GPL-2.0
/* Host tests of kmod/canary.h: the canary split's turns. */
#include <stdio.h>

#include "kselftest.h"

#include "../canary.h"

#define PICKS	200

/* The turns of a fresh split (credit 0, as an owner switch leaves it). */
static void turns(u8 pct, bool patched[PICKS])
{
	u32 credit = 0;
	int i;

	for (i = 0; i < PICKS; i++)
		patched[i] = dpo_canary_next_turn(&credit, pct) ==
			     DPO_ROLE_PATCHED;
}

/* Whether connection i (from 1) is the patched one exactly when @want(i). */
static void expect_turns(u8 pct, bool (*want)(int i), const char *name)
{
	bool patched[PICKS];
	int i, bad = 0;

	turns(pct, patched);
	for (i = 1; i <= 100; i++)
		bad += patched[i - 1] != want(i);
	ksft_test_result(!bad, "%s\n", name);
}

static bool every_fifth(int i)
{
	return i % 5 == 0;
}

static bool the_hundredth(int i)
{
	return i == 100;
}

static bool all_but_the_first(int i)
{
	return i != 1;
}

static bool every_second(int i)
{
	return i % 2 == 0;
}

/* Every percentage gets exactly its share of each 100 connections. */
static void test_exact_share(void)
{
	bool patched[PICKS];
	int pct, i, bad = 0;

	for (pct = 1; pct <= 99; pct++) {
		int first = 0, second = 0;

		turns(pct, patched);
		for (i = 0; i < 100; i++) {
			first += patched[i];
			second += patched[100 + i];
		}
		bad += first != pct || second != pct;
	}
	ksft_test_result(!bad, "1..99%%: exactly pct of every 100\n");
}

/*
 * Smooth: any run of k connections gives the patched role k * pct / 100,
 * rounded down or up; never a burst, never a drought.
 */
static void test_smooth(void)
{
	bool patched[PICKS];
	int pct, start, k, bad = 0;

	for (pct = 1; pct <= 99; pct++) {
		turns(pct, patched);
		for (start = 0; start < PICKS; start++) {
			int got = 0;

			for (k = 1; start + k <= PICKS; k++) {
				got += patched[start + k - 1];
				if (got * 100 < k * pct - 99 ||
				    got * 100 > k * pct + 99)
					bad++;
			}
		}
	}
	ksft_test_result(!bad, "1..99%%: any run within one of its share\n");
}

static void test_credit_bounded(void)
{
	int pct, i, bad = 0;

	for (pct = 1; pct <= 99; pct++) {
		u32 credit = 0;

		for (i = 0; i < 1000; i++) {
			dpo_canary_next_turn(&credit, pct);
			bad += credit >= 100;
		}
	}
	ksft_test_result(!bad, "credit stays below 100\n");
}

int main(void)
{
	ksft_print_header();
	ksft_set_plan(7);
	expect_turns(20, every_fifth, "20%: every fifth connection is patched");
	expect_turns(1, the_hundredth, "1%: the hundredth only");
	expect_turns(99, all_but_the_first, "99%: all but the first");
	expect_turns(50, every_second, "50%: O P O P ...");
	test_exact_share();
	test_smooth();
	test_credit_bounded();
	ksft_finished();
}
