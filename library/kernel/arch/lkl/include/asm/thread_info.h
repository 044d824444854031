/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_THREAD_INFO_H
#define _ASM_LKL_THREAD_INFO_H

/*
 * Every task runs on a host thread; its kernel "stack" is that thread's
 * stack, so THREAD_SIZE only sizes the thread_info allocation (plus the
 * stack-end canary word that fork writes after it).
 */
#define THREAD_SIZE 512

#ifndef __ASSEMBLY__
#include <asm/processor.h>
#include <asm/lkl_jmp.h>

struct task_struct;

struct thread_info {
	unsigned long flags;
	int preempt_count;
	struct task_struct *task;
	/* Host semaphore the task's thread sleeps on while switched out. */
	void *sched_sem;
	/* Host join handle, or NULL for tasks owned by a caller's thread. */
	void *host_thread;
	/* Where the task's thread goes when the task dies or the kernel halts. */
	struct lkl_jmp_buf *exit_jmp;
	/* Set while a borrowing thread switches this task away. */
	struct lkl_jmp_buf *switch_jmp;
	/* What an exec'ed task runs when it "returns to user mode". */
	void (*user_entry)(void);
	/* A frame of the switched-out task's thread, for stack dumps. */
	unsigned long *switch_sp;
	/* Where lkl_syscall's frame was on the caller's stack at this task's
	 * last syscall: the same address again means the same thread. */
	void *caller_frame;
	/* Link in the list of tasks whose caller's thread has ended. */
	struct thread_info *orphan_next;
};

#define INIT_THREAD_INFO(tsk)			\
{						\
	.flags		= 0,			\
	.preempt_count	= INIT_PREEMPT_COUNT,	\
	.task		= &tsk,			\
}

/* The running task; only the CPU owner reads or writes it. */
extern struct thread_info *lkl_current_ti;

static inline struct thread_info *current_thread_info(void)
{
	return lkl_current_ti;
}

unsigned long *arch_alloc_thread_stack_node(struct task_struct *tsk, int node);
void arch_free_thread_stack(struct task_struct *tsk);
#endif /* __ASSEMBLY__ */

#define TIF_SYSCALL_TRACE	0
#define TIF_NOTIFY_RESUME	1
#define TIF_SIGPENDING		2
#define TIF_NEED_RESCHED	3
#define TIF_RESTORE_SIGMASK	4
#define TIF_MEMDIE		5
#define TIF_NOTIFY_SIGNAL	6
#define TIF_POLLING_NRFLAG	7

#define _TIF_SYSCALL_TRACE	(1 << TIF_SYSCALL_TRACE)
#define _TIF_NOTIFY_RESUME	(1 << TIF_NOTIFY_RESUME)
#define _TIF_SIGPENDING		(1 << TIF_SIGPENDING)
#define _TIF_NEED_RESCHED	(1 << TIF_NEED_RESCHED)
#define _TIF_NOTIFY_SIGNAL	(1 << TIF_NOTIFY_SIGNAL)
#define _TIF_POLLING_NRFLAG	(1 << TIF_POLLING_NRFLAG)

#endif
