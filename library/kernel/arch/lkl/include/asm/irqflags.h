/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_IRQFLAGS_H
#define _ASM_LKL_IRQFLAGS_H

/*
 * Interrupts are a flag of the virtual CPU. Host threads raise them as
 * pending bits; whoever owns the CPU runs them when it enables interrupts,
 * so a handler never runs in the middle of kernel code that disabled them.
 */
#define ARCH_IRQ_DISABLED	0
#define ARCH_IRQ_ENABLED	1

#ifndef __ASSEMBLY__
extern unsigned long lkl_irq_flags;
extern unsigned long lkl_irq_pending;
void lkl_run_pending_irqs(void);

#define arch_local_save_flags arch_local_save_flags
static inline unsigned long arch_local_save_flags(void)
{
	return lkl_irq_flags;
}

#define arch_local_irq_restore arch_local_irq_restore
static inline void arch_local_irq_restore(unsigned long flags)
{
	lkl_irq_flags = flags;
	if (flags == ARCH_IRQ_ENABLED &&
	    __atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE))
		lkl_run_pending_irqs();
}

#include <asm-generic/irqflags.h>
#endif

#endif
