// SPDX-License-Identifier: GPL-2.0
/*
 * Tasks on host threads.
 *
 * Every task has a host semaphore; a switch ups the next task's semaphore
 * and downs the previous one's, so exactly one thread runs Linux code.
 * Kernel threads get a host thread of their own. Tasks of callers (host
 * threads that issue syscalls) run on the caller's thread and are "parked"
 * while it is back in the host: they stay `current` until something else
 * needs the CPU, which is what makes a repeated syscall a plain call.
 */
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/hardirq.h>
#include <asm/host_ops.h>
#include "lkl.h"

struct thread_info *lkl_current_ti = &init_thread_info;
struct task_struct *lkl_last_prev;

/* Every thread_info, for halt. Protected by CPU ownership. */
static struct thread_info_link {
	struct thread_info_link *next, *prev;
} ti_list = { &ti_list, &ti_list };

struct lkl_thread_info {
	struct thread_info ti;
	/* Fork writes its stack-end canary right after the thread_info. */
	unsigned long stack_end_magic;
	struct thread_info_link link;
	int (*fn)(void *);
	void *fn_arg;
	/* The task's semaphore; fork copies the parent's thread_info over ti. */
	void *own_sem;
};

static struct lkl_thread_info *lti(struct thread_info *ti)
{
	return container_of(ti, struct lkl_thread_info, ti);
}

/* Down a semaphore; a dead or halting kernel sends the thread to `bail`. */
void lkl_sem_down(void *sem, struct lkl_jmp_buf *bail)
{
	lkl_ops->sem_down(sem);
	if (unlikely(lkl_dead || lkl_shutdown))
		lkl_longjmp(bail, lkl_dead ? LKL_JMP_DEAD : LKL_JMP_SHUTDOWN);
}

unsigned long *arch_alloc_thread_stack_node(struct task_struct *tsk, int node)
{
	struct lkl_thread_info *l = kzalloc(sizeof(*l), GFP_KERNEL);

	if (!l)
		return NULL;
	l->own_sem = lkl_ops->sem_alloc(0);
	l->ti.sched_sem = l->own_sem;
	if (!l->own_sem) {
		kfree(l);
		return NULL;
	}
	l->link.next = ti_list.next;
	l->link.prev = &ti_list;
	ti_list.next->prev = &l->link;
	ti_list.next = &l->link;
	return (unsigned long *)&l->ti;
}

void arch_free_thread_stack(struct task_struct *tsk)
{
	struct thread_info *ti = task_thread_info(tsk);
	struct lkl_thread_info *l = lti(ti);

	/* The task is dead and its thread is past its last use of it. */
	if (ti->host_thread)
		lkl_ops->thread_join(ti->host_thread);
	lkl_ops->sem_free(ti->sched_sem);
	l->link.prev->next = l->link.next;
	l->link.next->prev = l->link.prev;
	kfree(l);
}

static void thread_bootstrap(void *arg)
{
	struct thread_info *ti = arg;
	struct lkl_thread_info *l = lti(ti);
	struct lkl_jmp_buf exit_jmp;

	ti->exit_jmp = &exit_jmp;
	if (lkl_setjmp(&exit_jmp))
		return;
	lkl_sem_down(ti->sched_sem, &exit_jmp);
	lkl_cpu_bail = &exit_jmp;
	schedule_tail(lkl_last_prev);
	l->fn(l->fn_arg);
	/* An exec'ed task (init) continues in its "user mode" entry. */
	if (ti->user_entry)
		ti->user_entry();
	do_exit(0);
}

int copy_thread(struct task_struct *p, const struct kernel_clone_args *args)
{
	struct thread_info *ti = task_thread_info(p);
	struct lkl_thread_info *l = lti(ti);

	/* copy_process copied the parent's thread_info: reset the port's part. */
	ti->sched_sem = l->own_sem;
	ti->host_thread = NULL;
	ti->exit_jmp = NULL;
	ti->switch_jmp = NULL;
	ti->user_entry = NULL;
	ti->caller_frame = NULL;

	if (args->fn == lkl_host_task_marker) {
		/* A caller's task: it runs on the caller's thread. */
		struct lkl_host_task_req *req = args->fn_arg;

		lkl_ops->sem_free(l->own_sem);
		l->own_sem = NULL;
		ti->sched_sem = req->sem;
		req->task = p;
		return 0;
	}
	if (!args->fn)
		return -EINVAL;	/* fork/clone of a caller: no user code to run */
	l->fn = args->fn;
	l->fn_arg = args->fn_arg;
	ti->host_thread = lkl_ops->thread_create(thread_bootstrap, ti);
	return ti->host_thread ? 0 : -ENOMEM;
}

struct task_struct *__switch_to(struct task_struct *prev,
				struct task_struct *next)
{
	struct thread_info *pti = task_thread_info(prev);
	struct thread_info *nti = task_thread_info(next);
	struct lkl_jmp_buf *jump = pti->switch_jmp;
	struct lkl_jmp_buf *my_exit = pti->exit_jmp;

	lkl_last_prev = prev;
	lkl_current_ti = nti;

	if (jump) {
		/* prev was borrowed by this thread; its own is elsewhere. */
		pti->switch_jmp = NULL;
		lkl_ops->sem_up(nti->sched_sem);
		lkl_longjmp(jump, 1);
	}
	if (prev->__state == TASK_DEAD) {
		/* Touch nothing of prev after handing over: it will be freed. */
		lkl_ops->sem_up(nti->sched_sem);
		lkl_longjmp(my_exit, LKL_JMP_EXIT);
	}
	pti->switch_sp = __builtin_frame_address(0);
	lkl_ops->sem_up(nti->sched_sem);
	lkl_sem_down(pti->sched_sem, my_exit);
	lkl_cpu_bail = my_exit;
	return lkl_last_prev;
}

/*
 * Switch away from a parked task on the thread that borrowed it: the task
 * sleeps until its own thread comes back and wakes it; this thread resumes
 * here, no longer owning the CPU.
 */
void lkl_switch_away_from_parked(void)
{
	struct lkl_jmp_buf jump;
	struct thread_info *ti = current_thread_info();

	set_current_state(TASK_UNINTERRUPTIBLE);
	ti->switch_jmp = &jump;
	if (lkl_setjmp(&jump) == 0)
		schedule();
}

/*
 * The calling thread owns the CPU in a borrowed context and wants its own
 * task to run. Returns owning the CPU with `task` current.
 */
void lkl_enter_task(struct task_struct *task, int is_new,
		    struct lkl_jmp_buf *bail)
{
	if (is_idle_task(current)) {
		/* Idle sleeps outside the scheduler; act as an interrupt. */
		irq_enter();
		if (!is_new)
			wake_up_process(task);
		irq_exit();
		lkl_cpu_release();
	} else {
		if (!is_new)
			wake_up_process(task);
		lkl_switch_away_from_parked();
	}
	lkl_sem_down(task_thread_info(task)->sched_sem, bail);
	lkl_cpu_bail = bail;
	schedule_tail(lkl_last_prev);
}

/* Halt: send every thread blocked in Linux back to its entry and join the
 * ones the port created. The caller owns the CPU and never gives it back. */
void lkl_threads_kill_all(void)
{
	struct thread_info_link *link;

	for (link = ti_list.next; link != &ti_list; link = link->next) {
		struct thread_info *ti =
			&container_of(link, struct lkl_thread_info, link)->ti;

		if (ti == current_thread_info())
			continue;
		lkl_ops->sem_up(ti->sched_sem);
		if (ti->host_thread) {
			lkl_ops->thread_join(ti->host_thread);
			ti->host_thread = NULL;
		}
	}
}

/* Halt, after every thread left: free what the port allocated on the host. */
void lkl_threads_free_all(void)
{
	struct thread_info_link *link;

	for (link = ti_list.next; link != &ti_list; link = link->next) {
		struct thread_info *ti =
			&container_of(link, struct lkl_thread_info, link)->ti;

		lkl_ops->sem_free(ti->sched_sem);
	}
	ti_list.next = ti_list.prev = &ti_list;
}

unsigned long __get_wchan(struct task_struct *p)
{
	return 0;
}
