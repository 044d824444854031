// SPDX-License-Identifier: GPL-2.0
/* memcpy, memset and memmove on x86-64 string instructions (see asm/string.h). */
#include <linux/string.h>
#include <linux/export.h>

void *memcpy(void *dest, const void *src, size_t n)
{
	void *d = dest;

	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dest;
}
EXPORT_SYMBOL(memcpy);

void *memset(void *s, int c, size_t n)
{
	void *d = s;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return s;
}
EXPORT_SYMBOL(memset);

void *memmove(void *dest, const void *src, size_t n)
{
	char *d;
	const char *s;

	if (dest <= src || (const char *)dest >= (const char *)src + n)
		return memcpy(dest, src, n);
	/* Overlapping with dest above src: copy backwards. */
	d = (char *)dest + n - 1;
	s = (const char *)src + n - 1;
	asm volatile("std; rep movsb; cld"
		     : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dest;
}
EXPORT_SYMBOL(memmove);
