// SPDX-License-Identifier: GPL-2.0
/* The print engine: text tables, records and JSON, one call per field. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "parse.h"
#include "print.h"

#define PR_MAX_DEPTH	4

static struct {
	FILE *out;
	bool json;
	enum dpoctl_pr_layout layout;
	bool list;
	bool opened;		/* JSON: "[" written */
	int rows;
	int depth;		/* JSON: objects open inside the row */
	bool first[PR_MAX_DEPTH];	/* JSON: no comma before next member */
	int cells;		/* text table: cells in the current row */
	bool header_done;
	bool header_only;
	char head[1024];
	char line[1024];
	size_t hlen, llen;
} pr;

void dpoctl_pr_init(FILE *out, bool json)
{
	memset(&pr, 0, sizeof(pr));
	pr.out = out;
	pr.json = json;
}

bool dpoctl_pr_json(void)
{
	return pr.json;
}

void dpoctl_pr_begin(enum dpoctl_pr_layout layout, bool list)
{
	pr.layout = layout;
	pr.list = list;
	pr.opened = false;
	pr.rows = 0;
	pr.header_done = false;
	pr.header_only = false;
}

void dpoctl_pr_end(void)
{
	if (pr.json && pr.list)
		fprintf(pr.out, "%s]\n", pr.opened ? "" : "[");
}

bool dpoctl_pr_header_only(void)
{
	if (pr.json || pr.layout != DPOCTL_PR_TABLE)
		return false;
	pr.header_only = true;
	return true;
}

void dpoctl_pr_row_begin(void)
{
	pr.cells = 0;
	pr.hlen = 0;
	pr.llen = 0;
	pr.head[0] = '\0';
	pr.line[0] = '\0';
	if (!pr.json)
		return;
	if (pr.list)
		fputs(!pr.opened ? "[" : pr.rows ? "," : "", pr.out);
	pr.opened = true;
	fputc('{', pr.out);
	pr.depth = 0;
	pr.first[0] = true;
}

static void rtrim(char *s, size_t *len)
{
	while (*len && s[*len - 1] == ' ')
		s[--*len] = '\0';
}

void dpoctl_pr_row_end(void)
{
	pr.rows++;
	if (pr.json) {
		fputs(pr.list ? "}" : "}\n", pr.out);
		return;
	}
	if (pr.layout != DPOCTL_PR_TABLE)
		return;
	rtrim(pr.head, &pr.hlen);
	rtrim(pr.line, &pr.llen);
	if (!pr.header_done) {
		fprintf(pr.out, "%s\n", pr.head);
		pr.header_done = true;
	}
	if (pr.header_only)
		pr.header_only = false;
	else
		fprintf(pr.out, "%s\n", pr.line);
}

static void json_member(const char *key)
{
	if (!pr.first[pr.depth])
		fputc(',', pr.out);
	pr.first[pr.depth] = false;
	fprintf(pr.out, "\"%s\":", key);
}

void dpoctl_pr_nest_begin(const char *key)
{
	if (!pr.json || pr.depth + 1 >= PR_MAX_DEPTH)
		return;
	json_member(key);
	fputc('{', pr.out);
	pr.first[++pr.depth] = true;
}

void dpoctl_pr_nest_end(void)
{
	if (!pr.json || !pr.depth)
		return;
	fputc('}', pr.out);
	pr.depth--;
}

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

/* One text cell (or record line); @val is already formatted. */
static void text_field(const char *key, const char *title, int width,
		       bool right, const char *val)
{
	char t[64];
	size_t i;

	if (!width)
		return;
	if (!title && !key)
		title = "";
	if (pr.layout == DPOCTL_PR_RECORD) {
		fprintf(pr.out, "%-15s %s\n", title ? title : key, val);
		return;
	}
	if (!title) {
		for (i = 0; key[i] && i < sizeof(t) - 1; i++)
			t[i] = key[i] >= 'a' && key[i] <= 'z' ?
				key[i] - 'a' + 'A' : key[i];
		t[i] = '\0';
		title = t;
	}
	if (pr.cells++) {
		append(pr.head, sizeof(pr.head), &pr.hlen, "  ");
		append(pr.line, sizeof(pr.line), &pr.llen, "  ");
	}
	append(pr.head, sizeof(pr.head), &pr.hlen, right ? "%*s" : "%-*s",
	       width, title);
	append(pr.line, sizeof(pr.line), &pr.llen, right ? "%*s" : "%-*s",
	       width, val);
}

/* Escapes the character at @s into @out; returns the bytes consumed. */
static size_t json_esc1(const unsigned char *s, char out[8])
{
	static const char *const ctrl[0x20] = {
		['\b'] = "\\b", ['\t'] = "\\t", ['\n'] = "\\n",
		['\f'] = "\\f", ['\r'] = "\\r",
	};
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		out[2] = '\0';
		return 1;
	}
	if (c < 0x20) {
		if (ctrl[c])
			strcpy(out, ctrl[c]);
		else
			snprintf(out, 8, "\\u%04x", c);
		return 1;
	}
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = '\0';
		return 1;
	}
	/* JSON is UTF-8: pass valid sequences, replace bad bytes (RFC 3629) */
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : lo;	/* overlong */
		hi = c == 0xed ? 0x9f : hi;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : lo;	/* overlong */
		hi = c == 0xf4 ? 0x8f : hi;	/* above U+10FFFF */
	} else {
		goto bad;
	}
	if (s[1] < lo || s[1] > hi)
		goto bad;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
bad:
	strcpy(out, "\\ufffd");
	return 1;
}

size_t dpoctl_json_escape(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = 0, n;
	char e[8];

	while (*s) {
		s += json_esc1(s, e);
		n = strlen(e);
		if (size && len + n < size)
			memcpy(dst + len, e, n);
		else if (size && len < size)
			size = len + 1;	/* never write half an escape */
		len += n;
	}
	if (size)
		dst[len < size ? len : size - 1] = '\0';
	return len;
}

static void json_string(const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	char e[8];

	fputc('"', pr.out);
	while (*s) {
		s += json_esc1(s, e);
		fputs(e, pr.out);
	}
	fputc('"', pr.out);
}

/* Text output goes to terminals: no control characters from the kernel. */
void dpoctl_text_sanitize(char *dst, size_t size, const char *src)
{
	size_t i;

	if (!size)
		return;
	for (i = 0; src[i] && i < size - 1; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ?
			'?' : src[i];
	dst[i] = '\0';
}

void dpoctl_pr_str(const char *key, const char *title, int width, const char *s)
{
	char t[256];

	if (pr.json) {
		if (key) {
			json_member(key);
			json_string(s);
		}
		return;
	}
	dpoctl_text_sanitize(t, sizeof(t), s);
	text_field(key, title, width, false, t);
}

void dpoctl_pr_u64(const char *key, const char *title, int width, uint64_t v)
{
	char t[24];

	if (pr.json) {
		if (key) {
			json_member(key);
			fprintf(pr.out, "%" PRIu64, v);
		}
		return;
	}
	snprintf(t, sizeof(t), "%" PRIu64, v);
	text_field(key, title, width, true, t);
}

void dpoctl_pr_double(const char *key, const char *title, int width, int prec,
	       double v)
{
	char t[48];

	if (!isfinite(v)) {
		dpoctl_pr_null(key, title, width);
		return;
	}
	if (pr.json) {
		if (key) {
			json_member(key);
			fprintf(pr.out, "%.*f", prec, v);
		}
		return;
	}
	snprintf(t, sizeof(t), "%.*f", prec, v);
	text_field(key, title, width, true, t);
}

void dpoctl_pr_null(const char *key, const char *title, int width)
{
	if (pr.json) {
		if (key) {
			json_member(key);
			fputs("null", pr.out);
		}
		return;
	}
	text_field(key, title, width, true, "-");
}

/* Text: an age for people; JSON: the nanoseconds. */
void dpoctl_pr_duration(const char *key, const char *title, int width,
			uint64_t ns)
{
	char t[32];

	dpoctl_duration_str(t, sizeof(t), ns);
	dpoctl_pr_str(NULL, title, width, t);
	dpoctl_pr_u64(key, NULL, 0, ns);
}
