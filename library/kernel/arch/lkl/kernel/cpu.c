// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual CPU lock and the idle loop.
 *
 * The lock is a counter plus a host semaphore: an uncontended take or
 * release is one atomic instruction, which keeps a syscall from a thread
 * whose task is still `current` as cheap as a function call. Ownership may
 * move between host threads (a task switch hands it over), which is why it
 * is not a host mutex.
 */
#include <linux/sched.h>
#include <linux/sched/idle.h>
#include <linux/sched/task.h>
#include <linux/hardirq.h>
#include <linux/cpu.h>
#include <linux/sched/stat.h>
#include <asm/host_ops.h>
#include "lkl.h"

/* 0: free; 1: owned; n > 1: owned with n - 1 threads waiting. */
static long cpu_count;
static void *cpu_wait_sem;

/* Protected by CPU ownership: idle's thread is asleep on lkl_idle_wake_sem. */
static int idle_sleeping;
void *lkl_idle_wake_sem;

/* The jump buffer of the thread that owns the CPU, for panics. */
struct lkl_jmp_buf *lkl_cpu_bail;

int lkl_cpu_init(void)
{
	cpu_wait_sem = lkl_ops->sem_alloc(0);
	lkl_idle_wake_sem = lkl_ops->sem_alloc(0);
	if (!cpu_wait_sem || !lkl_idle_wake_sem)
		return -ENOMEM;
	/* The boot thread owns the CPU from the start. */
	cpu_count = 1;
	return 0;
}

void lkl_cpu_free(void)
{
	lkl_ops->sem_free(cpu_wait_sem);
	lkl_ops->sem_free(lkl_idle_wake_sem);
	cpu_wait_sem = NULL;
	lkl_idle_wake_sem = NULL;
}

void lkl_cpu_lock(struct lkl_jmp_buf *bail)
{
	if (__atomic_fetch_add(&cpu_count, 1, __ATOMIC_SEQ_CST) != 0)
		lkl_sem_down(cpu_wait_sem, bail);
	lkl_cpu_bail = bail;
}

int lkl_cpu_trylock(void)
{
	long expected = 0;

	return __atomic_compare_exchange_n(&cpu_count, &expected, 1, 0,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Release without looking at pending interrupts; ownership goes straight to
 * a waiter if there is one. */

void lkl_cpu_unlock_raw(void)
{
	if (__atomic_fetch_sub(&cpu_count, 1, __ATOMIC_SEQ_CST) != 1)
		lkl_ops->sem_up(cpu_wait_sem);
}

/* Wakes idle's thread so it takes the CPU and schedules. CPU owner only. */
void lkl_cpu_kick_idle(void)
{
	if (idle_sleeping) {
		idle_sleeping = 0;
		lkl_ops->sem_up(lkl_idle_wake_sem);
	}
}

/* Halt and panic: wake every thread that may wait on the CPU. */
void lkl_cpu_wake_all(void)
{
	int i;

	for (i = 0; i < 64; i++)
		lkl_ops->sem_up(cpu_wait_sem);
	lkl_ops->sem_up(lkl_idle_wake_sem);
}

/*
 * Give up the CPU while `current` is idle (asleep in arch_cpu_idle) or a
 * parked task. Interrupts raised meanwhile are run first, in that borrowed
 * context; if they made a task runnable, idle is woken to schedule it, or
 * the parked task is switched away on this thread (ownership then goes to
 * the next task and this returns without unlocking).
 */
void lkl_cpu_release(void)
{
	for (;;) {
		int ran = 0;

		if (__atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE)) {
			lkl_irq_run_borrowed();
			ran = 1;
		}
		if (is_idle_task(current)) {
			/* Handlers may have added timers: idle must go round
			 * its loop to reprogram the stopped tick. */
			if (ran || test_thread_flag(TIF_NEED_RESCHED))
				lkl_cpu_kick_idle();
		} else if (test_thread_flag(TIF_NEED_RESCHED) || nr_running() > 1) {
			/* A parked task is not really running: anything else
			 * that is runnable gets the CPU now, not at a tick. */
			lkl_switch_away_from_parked();
			return;
		}
		lkl_cpu_unlock_raw();
		if (!__atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE) ||
		    !lkl_cpu_trylock())
			return;
	}
}

/*
 * Called with interrupts disabled by the idle loop; returns with them
 * enabled. The idle thread parks here with the CPU free, so interrupts and
 * callers can borrow the idle context without a host thread switch; they
 * wake it when something became runnable or interrupts ran. It returns
 * after every wake-up: the idle loop then reprograms the stopped tick for
 * timers the handlers added, as it does after a hardware interrupt.
 */
void arch_cpu_idle(void)
{
	struct lkl_jmp_buf *bail = task_thread_info(current)->exit_jmp;

	if (!__atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE) &&
	    !need_resched()) {
		idle_sleeping = 1;
		lkl_irq_flags = ARCH_IRQ_ENABLED;
		lkl_cpu_unlock_raw();
		if (__atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE) &&
		    lkl_cpu_trylock()) {
			lkl_cpu_bail = bail;
		} else {
			lkl_sem_down(lkl_idle_wake_sem, bail);
			lkl_cpu_lock(bail);
		}
		idle_sleeping = 0;
	}
	lkl_irq_flags = ARCH_IRQ_ENABLED;
	if (__atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE))
		lkl_run_pending_irqs();
}
