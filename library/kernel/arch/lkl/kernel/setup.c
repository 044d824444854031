// SPDX-License-Identifier: GPL-2.0
/*
 * Boot, halt and death of the library kernel: the exported lkl_start_kernel
 * and lkl_halt, setup_arch, and the panic policy (a Linux panic or BUG marks
 * the kernel dead and sends every thread inside it back to the host; the
 * host process goes on).
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/memblock.h>
#include <linux/notifier.h>
#include <linux/panic_notifier.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/start_kernel.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <asm/host_ops.h>
#include <asm/setup.h>
#include "lkl.h"

#define LKL_MIN_MEM_SIZE	(16UL << 20)

const struct lkl_host_ops *lkl_ops;
int lkl_dead;
int lkl_shutdown;
void *lkl_boot_sem;
unsigned long lkl_mem_size;
void *lkl_mem_block;
char lkl_cmdline[COMMAND_LINE_SIZE];

extern int lkl_booted;
extern void *lkl_task_key;
int lkl_syscalls_init(void);
void lkl_threads_free_all(void);
void __init lkl_bootmem_init(void);

/* 0: never booted; 1: booted or booting; 2: halted or failed for good. */
static int lkl_state;
static void *boot_thread;

void __init setup_arch(char **cmdline_p)
{
	strscpy(boot_command_line, lkl_cmdline, COMMAND_LINE_SIZE);
	*cmdline_p = boot_command_line;
	lkl_bootmem_init();
}

static int lkl_panic_notify(struct notifier_block *nb, unsigned long what,
			    void *msg)
{
	lkl_dead = 1;
	lkl_ops->panic();
	lkl_longjmp(lkl_cpu_bail, LKL_JMP_DEAD);
	return NOTIFY_DONE;
}

static struct notifier_block lkl_panic_nb = {
	.notifier_call = lkl_panic_notify,
	.priority = INT_MIN,	/* after everyone else had their say */
};

static int __init lkl_panic_policy(void)
{
	atomic_notifier_chain_register(&panic_notifier_list, &lkl_panic_nb);
	return 0;
}
pure_initcall(lkl_panic_policy);

/* The boot thread runs start_kernel and then stays as the idle task. */
static void __ref lkl_boot_thread(void *arg)
{
	struct lkl_jmp_buf bail;

	init_thread_info.exit_jmp = &bail;
	lkl_cpu_bail = &bail;
	if (lkl_setjmp(&bail) == 0)
		start_kernel();
}

static void lkl_free_host_resources(void)
{
	lkl_threads_free_all();
	if (init_thread_info.sched_sem)
		lkl_ops->sem_free(init_thread_info.sched_sem);
	lkl_cpu_free();
	if (lkl_boot_sem)
		lkl_ops->sem_free(lkl_boot_sem);
	if (lkl_task_key)
		lkl_ops->tls_free(lkl_task_key);
	if (lkl_mem_block)
		lkl_ops->mem_free(lkl_mem_block);
	init_thread_info.sched_sem = NULL;
	lkl_boot_sem = NULL;
	lkl_task_key = NULL;
	lkl_mem_block = NULL;
}

/* Every thread has left Linux or is about to: join ours, free the rest. */
static void lkl_teardown(void)
{
	lkl_shutdown = 1;
	lkl_timer_stop();
#ifdef CONFIG_BLOCK
	lkl_disks_stop();
#endif
	/* Before the joins: an orphan's exit thread may wait for the CPU. */
	lkl_cpu_wake_all();
	lkl_threads_kill_all();
	lkl_ops->sem_up(init_thread_info.sched_sem);
	if (boot_thread)
		lkl_ops->thread_join(boot_thread);
	boot_thread = NULL;
	lkl_free_host_resources();
}

long lkl_start_kernel(const struct lkl_host_ops *ops,
		      const struct lkl_boot_params *params)
{
	if (!ops || ops->version != LKL_HOST_OPS_VERSION)
		return -EINVAL;
	if (lkl_state != 0)
		return -EALREADY;
	if (!params || params->mem_size < LKL_MIN_MEM_SIZE)
		return -ENOMEM;
	lkl_state = 1;
	lkl_ops = ops;
	if (params->cmdline)
		strscpy(lkl_cmdline, params->cmdline, sizeof(lkl_cmdline));

	lkl_mem_size = params->mem_size;
	lkl_mem_block = ops->mem_alloc(params->mem_size + PAGE_SIZE);
	lkl_boot_sem = ops->sem_alloc(0);
	init_thread_info.sched_sem = ops->sem_alloc(0);
	if (!lkl_mem_block || !lkl_boot_sem || !init_thread_info.sched_sem ||
	    lkl_cpu_init() || lkl_syscalls_init())
		goto fail;

	boot_thread = ops->thread_create(lkl_boot_thread, NULL);
	if (!boot_thread)
		goto fail;
	/* Up'ed by init's service loop, or by the host's panic handling. */
	ops->sem_down(lkl_boot_sem);
	if (lkl_dead) {
		lkl_teardown();
		lkl_state = 2;
		return -EIO;
	}
	lkl_booted = 1;
	return 0;

fail:
	lkl_free_host_resources();
	lkl_state = 2;
	return -ENOMEM;
}

long lkl_halt(void)
{
	long params[6] = { 0 };
	long ret = 0;

	if (lkl_state != 1)
		return -ENODEV;
	lkl_state = 2;
	if (!lkl_dead) {
		lkl_syscall(__NR_sync, params);
		params[0] = LINUX_REBOOT_MAGIC1;
		params[1] = LINUX_REBOOT_MAGIC2;
		params[2] = LINUX_REBOOT_CMD_POWER_OFF;
		/* Returns once machine_power_off jumps back here. */
		ret = lkl_syscall(__NR_reboot, params);
	}
	if (lkl_dead)
		ret = -EIO;
	lkl_teardown();
	lkl_booted = 0;
	return ret;
}
