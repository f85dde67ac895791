# SPDX-License-Identifier: GPL-2.0
#
# scdoc's roff, tidied so that mandoc -T lint -W style has nothing to say
# (make man; LC_ALL=C, so that lengths are bytes):
#   LC_ALL=C awk -f tidy.awk page.roff > page
# - scdoc writes a paragraph macro (.P) around every heading and before
#   the end of an indented block, where it starts no paragraph ("skipping
#   paragraph macro"): a .P right after a heading, or followed by a
#   heading, another .P or the end, is dropped; one before .RE goes
#   after it (it separates the entries of a list of terms).
# - The title of .TH goes upper case, as man(7) pages have it.
# - Filled text lines longer than 80 bytes (the escapes scdoc adds make
#   them longer than their source) are broken at spaces: in fill mode a
#   line break is a space. Never inside .nf/.fi (literal blocks) or a
#   table, never before a "." or "'" (a control line), never at an escaped
#   space.
# Nothing else changes.

function is_heading(s) { return s ~ /^\.(SH|SS)( |$)/ }

# The line of a .P held back, printed only when what follows needs it.
function flush_p(next_line) {
	if (!held)
		return
	held = 0
	if (next_line == "" && at_end)
		return
	if (is_heading(next_line) || next_line == ".P")
		return
	print ".P"
}

# Where @s may break: the last good space at or before byte 81, else the
# first after it; 0 when none.
function break_at(s,    i, c, best) {
	best = 0
	for (i = 2; i < length(s); i++) {
		if (substr(s, i, 1) != " ")
			continue
		c = substr(s, i + 1, 1)
		if (c == " " || c == "." || c == "'" || substr(s, i - 1, 1) == "\\")
			continue
		if (i <= 81)
			best = i
		else if (!best)
			return i
		else
			break
	}
	return best
}

function print_text(s,    i) {
	while (length(s) > 80 && (i = break_at(s)) > 0) {
		print substr(s, 1, i - 1)
		s = substr(s, i + 1)
	}
	print s
}

/^\.TH "/ {
	if (match($0, /^\.TH "[^"]*"/)) {
		title = substr($0, 5, RLENGTH - 4)
		$0 = ".TH " toupper(title) substr($0, RLENGTH + 1)
	}
}

{
	if ($0 == ".P") {
		flush_p($0)
		if (!is_heading(prev_head))
			held = 1
		prev_head = ""
		next
	}
	if ($0 == ".RE" && held) {
		print
		next
	}
	flush_p($0)
	if ($0 ~ /^\.nf/ || $0 ~ /^\.TS/)
		nofill = 1
	else if ($0 ~ /^\.fi/ || $0 ~ /^\.TE/)
		nofill = 0
	if (nofill || $0 ~ /^[.']/)
		print
	else
		print_text($0)
	# the heading line itself: a .P right after it is dropped
	prev_head = is_heading($0) ? $0 : ""
}

END {
	at_end = 1
	flush_p("")
}
