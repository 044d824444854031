/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LKL_KERNEL_INTERNAL_H
#define _LKL_KERNEL_INTERNAL_H

/*
 * Internals of the port shared between its files.
 *
 * The virtual CPU: exactly one host thread runs Linux code at a time, the
 * CPU owner. A task switch hands ownership from the previous task's thread
 * to the next one's through per-task host semaphores. Ownership is free
 * only while `current` is idle waiting in arch_cpu_idle or a caller's task
 * whose thread has gone back to the host (a parked task); any host thread
 * may then take the CPU and run code in that borrowed context.
 */

#include <linux/sched.h>
#include <asm/host_ops.h>
#include <asm/lkl_jmp.h>

/* Values a thread's bail-out longjmp carries. */
#define LKL_JMP_DEAD	1	/* the kernel panicked */
#define LKL_JMP_EXIT	2	/* the task exited or halt killed it */
#define LKL_JMP_HALT	3	/* machine_power_off: halt continues on the host */
#define LKL_JMP_SHUTDOWN 4	/* halt woke a thread waiting in Linux */

#define LKL_TIMER_IRQ	1
#define LKL_DISK_IRQ	2
#define LKL_ORPHAN_IRQ	3	/* a caller's thread ended (init_service.c) */

extern int lkl_dead;		/* set once by the panic notifier */
extern int lkl_shutdown;	/* set once when halt starts tearing down */
extern struct lkl_jmp_buf *lkl_cpu_bail;
extern struct task_struct *lkl_last_prev;
extern void *lkl_idle_wake_sem;
extern void *lkl_boot_sem;
extern struct lkl_jmp_buf *lkl_boot_bail;
extern unsigned long lkl_mem_size;
extern void *lkl_mem_block;
extern char lkl_cmdline[];

/* cpu.c */
void lkl_cpu_lock(struct lkl_jmp_buf *bail);
int lkl_cpu_trylock(void);
void lkl_cpu_unlock_raw(void);
void lkl_cpu_release(void);
void lkl_cpu_kick_idle(void);
void lkl_cpu_wake_all(void);
int lkl_cpu_init(void);
void lkl_cpu_free(void);

/* threads.c */
void lkl_sem_down(void *sem, struct lkl_jmp_buf *bail);
void lkl_switch_away_from_parked(void);
void lkl_enter_task(struct task_struct *task, int is_new, struct lkl_jmp_buf *bail);
void lkl_threads_kill_all(void);
int lkl_threads_init(void);
struct lkl_host_task_req {
	struct lkl_host_task_req *next;
	void *sem;
	struct task_struct *task;
	int err;
};
int lkl_host_task_marker(void *arg);

/* init_service.c */
int lkl_request_host_task(struct lkl_host_task_req *req);
void lkl_orphan_task(struct task_struct *task);

/* irq.c */
void lkl_trigger_irq(int irq);
void lkl_irq_run_borrowed(void);

/* disk.c */
void lkl_disks_stop(void);

/* time.c */
void lkl_timer_stop(void);

/* syscalls.c */
long lkl_syscall(long no, const long *params);

/* console.c */
void lkl_printk_flush(void);

#endif
