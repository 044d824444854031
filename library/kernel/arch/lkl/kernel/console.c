// SPDX-License-Identifier: GPL-2.0
/* The kernel console is the host's print operation. */
#include <linux/console.h>
#include <linux/init.h>
#include <asm/host_ops.h>
#include "lkl.h"

static void lkl_console_write(struct console *con, const char *str,
			      unsigned int len)
{
	lkl_ops->print(str, len);
}

static struct console lkl_console = {
	.name	= "lkl",
	.write	= lkl_console_write,
	.flags	= CON_PRINTBUFFER | CON_ANYTIME | CON_ENABLED,
	.index	= -1,
};

static int __init lkl_console_init(void)
{
	register_console(&lkl_console);
	return 0;
}
console_initcall(lkl_console_init);
