/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PROCESSOR_H
#define _ASM_LKL_PROCESSOR_H

#ifndef __ASSEMBLY__
struct task_struct;

/* Register state lives on each task's own host thread, not here. */
struct thread_struct { };

#define INIT_THREAD { }

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

/* No user address space: "user" pointers are host pointers. */
#define TASK_SIZE		(~0UL)
#define TASK_UNMAPPED_BASE	0

#define KSTK_EIP(tsk)		0
#define KSTK_ESP(tsk)		0

unsigned long __get_wchan(struct task_struct *p);
#endif

#endif
