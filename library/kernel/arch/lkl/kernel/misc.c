// SPDX-License-Identifier: GPL-2.0
/* Small architecture hooks. */
#include <asm/sections.h>
#include <linux/delay.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/printk.h>
#include <linux/pm.h>
#include <linux/reboot.h>
#include <linux/ptrace.h>
#include <linux/seq_file.h>
#include <linux/syscalls.h>
#include <linux/mm.h>
#include <asm/syscall.h>
#include <asm/host_ops.h>
#include "lkl.h"

void __ndelay(unsigned long nsecs)
{
	unsigned long long end = lkl_ops->time_ns() + nsecs;

	while (lkl_ops->time_ns() < end)
		cpu_relax();
}

void __udelay(unsigned long usecs)
{
	__ndelay(usecs * NSEC_PER_USEC);
}

void __delay(unsigned long loops)
{
	__ndelay(loops);
}

/* Delays measure host time, so the calibration loop (tens of ms) is moot. */
unsigned long calibrate_delay_is_known(void)
{
	return 1000000000UL / HZ;
}

void show_regs(struct pt_regs *regs)
{
	pr_info("lkl: no registers to show\n");
}

void machine_restart(char *cmd)
{
	machine_power_off();
}

void machine_halt(void)
{
	machine_power_off();
}

/* The halt path: leave Linux for good, back to lkl_halt on the host side. */
void machine_power_off(void)
{
	lkl_longjmp(lkl_cpu_bail, LKL_JMP_HALT);
}

void (*pm_power_off)(void) = NULL;

/* No user registers, stacks or binaries: hooks generic code still calls. */
void flush_thread(void)
{
}

/*
 * Without unwind tables or symbols, a stack dump lists every word between
 * the task's last frame and its thread's entry frame that points into
 * kernel text (like x86's unreliable "?" entries), with the text base so
 * the addresses can be resolved offline against lkl.o. A switched-out
 * task's thread is asleep in __switch_to, so its stack holds still.
 */
void show_stack(struct task_struct *task, unsigned long *sp,
		const char *loglvl)
{
	struct thread_info *ti = task ? task_thread_info(task) :
					current_thread_info();
	unsigned long *top = (unsigned long *)ti->exit_jmp;
	unsigned long *p = sp;
	int n = 0;

	if (!p)
		p = (!task || task == current) ?
			__builtin_frame_address(0) : ti->switch_sp;
	if (!p || !top || top <= p || top - p > 16384) {
		printk("%s(no stack to show)\n", loglvl);
		return;
	}
	printk("%sstack (text base %px):\n", loglvl, _stext);
	for (; p < top && n < 64; p++) {
		if (*p >= (unsigned long)_stext && *p < (unsigned long)_etext) {
			printk("%s  ? %px\n", loglvl, (void *)*p);
			n++;
		}
	}
}

void __init thread_stack_cache_init(void)
{
}

int syscall_get_arch(struct task_struct *task)
{
	return 0;
}

long arch_ptrace(struct task_struct *child, long request,
		 unsigned long addr, unsigned long data)
{
	return ptrace_request(child, request, addr, data);
}

void ptrace_disable(struct task_struct *child)
{
}

SYSCALL_DEFINE6(mmap, unsigned long, addr, unsigned long, len,
		unsigned long, prot, unsigned long, flags,
		unsigned long, fd, off_t, off)
{
	if (off & ~PAGE_MASK)
		return -EINVAL;
	return ksys_mmap_pgoff(addr, len, prot, flags, fd, off >> PAGE_SHIFT);
}

SYSCALL_DEFINE0(rt_sigreturn)
{
	return -ENOSYS;
}

static void *c_start(struct seq_file *m, loff_t *pos)
{
	return *pos < 1 ? (void *)1 : NULL;
}

static void *c_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return NULL;
}

static void c_stop(struct seq_file *m, void *v)
{
}

static int c_show(struct seq_file *m, void *v)
{
	seq_puts(m, "processor\t: 0\nmodel name\t: lkl (Linux as a library)\n");
	return 0;
}

const struct seq_operations cpuinfo_op = {
	.start	= c_start,
	.next	= c_next,
	.stop	= c_stop,
	.show	= c_show,
};
