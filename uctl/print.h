/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DPOCTL_PRINT_H
#define DPOCTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Text and JSON output from one code path: every field is one pr_*()
 * call. @key is its JSON name (NULL: text only), @title its text heading
 * (NULL: derived from the key), @width its text column width (0: JSON
 * only). Text tables right-align numbers and left-align strings.
 */
enum dpoctl_pr_layout {
	DPOCTL_PR_TABLE,	/* text: a header row, then one row per object */
	DPOCTL_PR_RECORD,	/* text: one "name value" line per field */
};

void dpoctl_pr_init(FILE *out, bool json);
bool dpoctl_pr_json(void);
/* @list: a JSON array of objects, else one JSON object per row and line */
void dpoctl_pr_begin(enum dpoctl_pr_layout layout, bool list);
void dpoctl_pr_end(void);
void dpoctl_pr_row_begin(void);
void dpoctl_pr_row_end(void);
/* Text tables: the next row prints the header only. False in JSON mode. */
bool dpoctl_pr_header_only(void);
void dpoctl_pr_nest_begin(const char *key);
void dpoctl_pr_nest_end(void);

void dpoctl_pr_str(const char *key, const char *title, int width, const char *s);
void dpoctl_pr_u64(const char *key, const char *title, int width, uint64_t v);
void dpoctl_pr_double(const char *key, const char *title, int width, int prec,
	       double v);
void dpoctl_pr_null(const char *key, const char *title, int width);
/* A time span: "1m05s" in text, @key in nanoseconds in JSON */
void dpoctl_pr_duration(const char *key, const char *title, int width,
			uint64_t ns);

/* Like snprintf: returns the length the whole escaped text needs. */
size_t dpoctl_json_escape(char *dst, size_t size, const char *src);
void dpoctl_text_sanitize(char *dst, size_t size, const char *src);

#endif
