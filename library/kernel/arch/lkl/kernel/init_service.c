// SPDX-License-Identifier: GPL-2.0
/*
 * Init (pid 1) of the library. The kernel's own kernel_init runs as usual
 * and executes "/init"; a binary format of the port accepts exactly that
 * file and makes init's "user mode" this service loop: it reports the end of
 * boot to the host and creates the tasks of callers' threads on request, as
 * its children sharing one file table, working directory and memory map.
 * When a caller's thread ends, init gives its task a host thread of the
 * port's own to exit on (see lkl_task_key_destructor).
 */
#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/err.h>
#include <linux/task_work.h>
#include <linux/init_syscalls.h>
#include <linux/interrupt.h>
#include <asm/host_ops.h>
#include "lkl.h"

#define LKL_INIT_PATH "/init"

/* Protected by CPU ownership. */
static struct lkl_host_task_req *req_head;
static struct task_struct *service_task;

/* Pushed by ending threads without the CPU; taken whole by init. */
static struct thread_info *orphans;

/* Marks a clone as a caller's task (see copy_thread); never called. */
int lkl_host_task_marker(void *arg)
{
	return 0;
}

int lkl_request_host_task(struct lkl_host_task_req *req)
{
	req->next = req_head;
	req_head = req;
	wake_up_process(service_task);
	return 0;
}

static void lkl_orphans_push(struct thread_info *ti)
{
	ti->orphan_next = __atomic_load_n(&orphans, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&orphans, &ti->orphan_next, ti, 1,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/* Any thread that does not own the CPU; never blocks. */
void lkl_orphan_task(struct task_struct *task)
{
	lkl_orphans_push(task_thread_info(task));
	lkl_trigger_irq(LKL_ORPHAN_IRQ);
}

static irqreturn_t lkl_orphan_irq(int irq, void *dev_id)
{
	if (service_task)
		wake_up_process(service_task);
	return IRQ_HANDLED;
}

/* An ended caller's task, run to its exit on the port's host thread. */
static void lkl_orphan_exit(void *arg)
{
	struct task_struct *task = arg;
	struct lkl_jmp_buf bail;

	if (lkl_setjmp(&bail))
		return;		/* exited, or the kernel died or halted */
	lkl_cpu_lock(&bail);
	if (task != current)
		lkl_enter_task(task, 0, &bail);
	task_thread_info(task)->exit_jmp = &bail;
	do_exit(0);
}

/*
 * Starts the exit of every orphan. The host thread is joined when the task
 * is freed, like a kernel thread's. Returns false if the host could not
 * create one; the rest go back on the list for a later try.
 */
static bool lkl_adopt_orphans(void)
{
	struct thread_info *ti = __atomic_exchange_n(&orphans, NULL,
						     __ATOMIC_ACQUIRE);

	while (ti) {
		struct thread_info *next = ti->orphan_next;

		ti->host_thread = lkl_ops->thread_create(lkl_orphan_exit,
							 ti->task);
		if (!ti->host_thread) {
			while (ti) {
				next = ti->orphan_next;
				lkl_orphans_push(ti);
				ti = next;
			}
			return false;
		}
		ti = next;
	}
	return true;
}

static void lkl_init_service(void)
{
	const unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES |
				    CLONE_SIGHAND | SIGCHLD;

	/* Children are reaped automatically when their threads end. */
	kernel_sigaction(SIGCHLD, SIG_IGN);
	service_task = current;

	lkl_ops->sem_up(lkl_boot_sem);

	for (;;) {
		struct lkl_host_task_req *req;
		pid_t pid;

		set_current_state(TASK_IDLE);
		if (__atomic_load_n(&orphans, __ATOMIC_RELAXED)) {
			__set_current_state(TASK_RUNNING);
			if (!lkl_adopt_orphans())
				schedule_timeout_idle(HZ / 10);
			continue;
		}
		if (!req_head) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		req = req_head;
		req_head = req->next;
		pid = user_mode_thread(lkl_host_task_marker, req, flags);
		if (pid < 0) {
			req->err = pid;
			lkl_ops->sem_up(req->sem);
		}
	}
}

static int lkl_load_init(struct linux_binprm *bprm)
{
	int ret;

	if (strcmp(bprm->filename, LKL_INIT_PATH))
		return -ENOEXEC;
	ret = begin_new_exec(bprm);
	if (ret)
		return ret;
	setup_new_exec(bprm);
	finalize_exec(bprm);
	current_thread_info()->user_entry = lkl_init_service;
	return 0;
}

static struct linux_binfmt lkl_init_format = {
	.load_binary = lkl_load_init,
};

static int __init lkl_init_format_register(void)
{
	register_binfmt(&lkl_init_format);
	return request_irq(LKL_ORPHAN_IRQ, lkl_orphan_irq, 0, "orphan", NULL);
}
core_initcall(lkl_init_format_register);

/* kernel_init runs /init only if it exists (else it wants a root device). */
static int __init lkl_make_init(void)
{
	struct file *f = filp_open(LKL_INIT_PATH, O_CREAT | O_WRONLY, 0700);

	if (IS_ERR(f))
		panic("lkl: cannot create %s: %ld\n", LKL_INIT_PATH, PTR_ERR(f));
	filp_close(f, NULL);
	/* Finish the deferred close now, or exec finds /init busy (ETXTBSY). */
	task_work_run();
#ifdef CONFIG_DEVTMPFS
	/* Disk and partition nodes appear in /dev as the kernel finds them. */
	init_mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
#endif
	return 0;
}
late_initcall(lkl_make_init);
