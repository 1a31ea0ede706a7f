// SPDX-License-Identifier: GPL-2.0
/*
 * The one parser every debugfs knob uses. A write to a knob is one line:
 *
 *   - written by a caller with CAP_SYS_ADMIN (checked at write time, not
 *     only by the file's mode), at offset 0, in one write() of 1 to
 *     MMT_KNOB_MAX bytes;
 *   - tokens of printable ASCII (0x21-0x7e) separated by single spaces, no
 *     leading or trailing space, no other byte (no NUL, tab, CR or byte
 *     above 0x7e); one '\n' may end the line;
 *   - numbers are unsigned, without sign or leading '+', in the base the
 *     knob documents, checked for overflow and against the knob's range.
 *
 * Anything else is refused with -EINVAL (-EPERM without the capability)
 * before the knob's state is touched. A write that is accepted returns
 * its whole length.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mmtorture.h"

char *mmt_knob_fetch(const char __user *buf, size_t count, loff_t *ppos,
		     size_t max)
{
	size_t i, len = count;
	char *s;

	if (!capable(CAP_SYS_ADMIN))
		return ERR_PTR(-EPERM);
	if (*ppos || !count || count > max || max > MMT_KNOB_MAX)
		return ERR_PTR(-EINVAL);
	s = memdup_user_nul(buf, count);
	if (IS_ERR(s))
		return s;
	if (s[len - 1] == '\n')
		s[--len] = '\0';
	if (!len || s[0] == ' ' || s[len - 1] == ' ')
		goto bad;
	for (i = 0; i < len; i++) {
		if (s[i] == ' ' ? s[i + 1] == ' ' : s[i] < 0x21 || s[i] > 0x7e)
			goto bad;
	}
	return s;
bad:
	kfree(s);
	return ERR_PTR(-EINVAL);
}

int mmt_knob_split(char *s, char **tok, unsigned int max)
{
	unsigned int n = 0;
	char *t;

	while ((t = strsep(&s, " ")) != NULL) {
		if (n == max)
			return -EINVAL;
		tok[n++] = t;
	}
	return n;
}

int mmt_knob_u64(const char *tok, unsigned int base, u64 min, u64 max,
		 u64 *val)
{
	u64 v;

	if (!(base == 16 ? isxdigit(tok[0]) : isdigit(tok[0])) ||
	    kstrtou64(tok, base, &v) || v < min || v > max)
		return -EINVAL;
	*val = v;
	return 0;
}

int mmt_knob_u32(const char *tok, unsigned int base, u32 min, u32 max,
		 u32 *val)
{
	u64 v;
	int ret = mmt_knob_u64(tok, base, min, max, &v);

	if (!ret)
		*val = v;
	return ret;
}

int mmt_knob_write_u64(const char __user *buf, size_t count, loff_t *ppos,
		       u64 min, u64 max, u64 *val)
{
	char *s = mmt_knob_fetch(buf, count, ppos, 32);
	int ret;

	if (IS_ERR(s))
		return PTR_ERR(s);
	ret = mmt_knob_u64(s, 10, min, max, val);
	kfree(s);
	return ret;
}
