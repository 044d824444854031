// SPDX-License-Identifier: GPL-2.0
/*
 * The syscall entry: any host thread calls lkl_syscall(); the first call
 * gives the thread a Linux task of its own, created by init so that all
 * callers share one file table and working directory.
 */
#include <linux/syscalls.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/task_work.h>
#include <linux/resume_user_mode.h>
#include <linux/hardirq.h>
#include <linux/errno.h>
#include <linux/sched/debug.h>
#include <linux/workqueue.h>
#include <linux/mm.h>
#include <asm/syscalls.h>
#include <asm/host_ops.h>
#include "lkl.h"

#undef __SYSCALL
#define __SYSCALL(nr, call) [nr] = (lkl_syscall_fn)(call),

const lkl_syscall_fn lkl_syscall_table[__NR_syscalls] = {
	[0 ... __NR_syscalls - 1] = (lkl_syscall_fn)sys_ni_syscall,
#include <asm/unistd.h>
};

/* Port-private calls above the Linux table. */
#define LKL_SYSCALL_TEST_PANIC	1000
#define LKL_SYSCALL_DISK_ADD	1001	/* (const struct lkl_disk *) */
#define LKL_SYSCALL_DISK_REMOVE	1002	/* (index) */
#define LKL_SYSCALL_DEBUG_DUMP	1003	/* blocked tasks and busy workqueues */

struct lkl_disk;
long lkl_disk_add(const struct lkl_disk *d);
long lkl_disk_remove(long index);
void lkl_disks_show(void);
void lkl_time_show(void);

void *lkl_task_key;
int lkl_booted;

/* Maps the ERESTART* family, which only makes sense for user code that the
 * kernel could re-run, to what a library caller can act on. */
static long lkl_fix_restart(long ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	}
	return ret;
}

/* What the return to user mode does on a real architecture. */
static void lkl_syscall_exit_work(void)
{
	if (test_thread_flag(TIF_NOTIFY_RESUME))
		resume_user_mode_work(NULL);
	if (test_thread_flag(TIF_NOTIFY_SIGNAL)) {
		clear_thread_flag(TIF_NOTIFY_SIGNAL);
		if (task_work_pending(current))
			task_work_run();
	}
	/* No user code can take a signal: drop what was queued. */
	if (signal_pending(current))
		flush_signals(current);
}

static long lkl_run_syscall(long no, const long *p)
{
	if (no == LKL_SYSCALL_TEST_PANIC)
		panic("lkl: panic requested by a test");
	if (no == LKL_SYSCALL_DEBUG_DUMP) {
		show_state_filter(TASK_UNINTERRUPTIBLE);
		show_all_workqueues();
		show_mem(0, NULL);
		lkl_time_show();
#ifdef CONFIG_BLOCK
		lkl_disks_show();
#endif
		return 0;
	}
#ifdef CONFIG_BLOCK
	if (no == LKL_SYSCALL_DISK_ADD)
		return lkl_disk_add((const struct lkl_disk *)p[0]);
	if (no == LKL_SYSCALL_DISK_REMOVE)
		return lkl_disk_remove(p[0]);
#endif
	if (no < 0 || no >= __NR_syscalls)
		return -ENOSYS;
	return lkl_syscall_table[no](p[0], p[1], p[2], p[3], p[4], p[5]);
}

/* Create this thread's task. Owns the CPU on entry; on success returns
 * owning it with the new task current, on failure without it. */
static struct task_struct *lkl_new_host_task(struct lkl_jmp_buf *bail)
{
	struct lkl_host_task_req req = { };

	req.sem = lkl_ops->sem_alloc(0);
	if (!req.sem) {
		lkl_cpu_release();
		return ERR_PTR(-ENOMEM);
	}
	if (is_idle_task(current)) {
		irq_enter();
		lkl_request_host_task(&req);
		irq_exit();
		lkl_cpu_release();
	} else {
		lkl_request_host_task(&req);
		lkl_switch_away_from_parked();
	}
	/* Up'ed by the first switch to the new task, or by init on failure. */
	lkl_sem_down(req.sem, bail);
	if (req.err) {
		lkl_ops->sem_free(req.sem);
		return ERR_PTR(req.err);
	}
	lkl_cpu_bail = bail;
	schedule_tail(lkl_last_prev);
	return req.task;
}

long lkl_syscall(long no, const long *params)
{
	/* Written whole by lkl_setjmp before any read: the stack auto-init
	 * (a rep stos) would cost a tenth of a short syscall. */
	struct lkl_jmp_buf bail __uninitialized;
	struct task_struct *task;
	long ret;
	int jmp;

	if (!lkl_booted)
		return -ENODEV;
	if (lkl_dead || lkl_shutdown)
		return -EIO;
	jmp = lkl_setjmp(&bail);
	if (jmp == LKL_JMP_DEAD)
		return -EIO;
	if (jmp == LKL_JMP_SHUTDOWN)
		return -ENODEV;
	if (jmp)
		return 0;	/* halt's power-off, or this task's exit */

	lkl_cpu_lock(&bail);
	/*
	 * A parked task whose last syscall had its frame at this very address
	 * belongs to this thread: live threads' stacks never overlap, and a
	 * caller's thread-local destructor clears the mark before its thread's
	 * stack is freed. That saves the host's thread-local lookup on the
	 * repeated-call path; any other case looks the task up.
	 */
	if (READ_ONCE(current_thread_info()->caller_frame) == &bail)
		task = current;
	else
		task = lkl_ops->tls_get(lkl_task_key);
	if (!task) {
		task = lkl_new_host_task(&bail);
		if (IS_ERR(task))
			return PTR_ERR(task);
		lkl_ops->tls_set(lkl_task_key, task);
	} else if (task != current) {
		lkl_enter_task(task, 0, &bail);
	}
	task_thread_info(task)->exit_jmp = &bail;

	ret = lkl_fix_restart(lkl_run_syscall(no, params));
	lkl_syscall_exit_work();

	/* The task stays current while this thread is away. */
	task_thread_info(task)->exit_jmp = NULL;
	WRITE_ONCE(task_thread_info(task)->caller_frame, &bail);
	lkl_cpu_release();
	return ret;
}

/*
 * A caller's thread ended: its task must exit too, but not here. On Windows
 * this runs in the thread-detach callback under the loader lock, and the
 * CPU owner may be a new kernel thread whose host thread cannot start until
 * that lock is free, so waiting for the CPU here can deadlock. The task is
 * handed to init, which runs its exit on a host thread of the port's own.
 */
static void lkl_task_key_destructor(void *arg)
{
	struct task_struct *task = arg;

	if (!lkl_booted || lkl_dead || lkl_shutdown)
		return;
	/* This thread's stack may be reused by a new thread as soon as this
	 * returns: the syscall fast path must not mistake it for the task's. */
	WRITE_ONCE(task_thread_info(task)->caller_frame, NULL);
	lkl_orphan_task(task);
}

int lkl_syscalls_init(void)
{
	lkl_task_key = lkl_ops->tls_alloc(lkl_task_key_destructor);
	return lkl_task_key ? 0 : -ENOMEM;
}
