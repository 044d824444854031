// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts raised by host threads (the timer, later disk completions).
 *
 * Raising one sets a pending bit. If the CPU is free the raising thread
 * takes it and runs the handler at once in the borrowed context; otherwise
 * the owner runs it when it next enables interrupts or gives up the CPU.
 * Handlers therefore never run in the middle of code that disabled
 * interrupts, exactly as on hardware.
 */
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/hardirq.h>
#include <linux/sched.h>
#include <asm/irq_regs.h>
#include <asm/host_ops.h>
#include "lkl.h"

unsigned long lkl_irq_flags = ARCH_IRQ_DISABLED;
unsigned long lkl_irq_pending;

/*
 * The tick handler skips the timer wheel and the scheduler tick when it
 * sees no interrupt registers (it takes that for a call outside interrupt
 * context), so every interrupt gets a frame, as on hardware. Without it,
 * mod_timer/schedule_timeout timers never expire.
 */
static void lkl_do_irq(int irq)
{
	struct pt_regs regs = { .irq = irq };
	struct pt_regs *old = set_irq_regs(&regs);

	irq_enter();
	generic_handle_irq(irq);
	irq_exit();
	set_irq_regs(old);
}

/* CPU owner, interrupts enabled (the flag says so on entry and exit). */
void lkl_run_pending_irqs(void)
{
	static int running;
	unsigned long pending;

	/* Softirqs enable interrupts inside a handler's exit; the outer loop
	 * picks up whatever arrives meanwhile. */
	if (running)
		return;
	running = 1;
	lkl_irq_flags = ARCH_IRQ_DISABLED;
	while ((pending = __atomic_exchange_n(&lkl_irq_pending, 0,
					      __ATOMIC_ACQ_REL))) {
		while (pending) {
			int irq = __builtin_ctzl(pending);

			pending &= pending - 1;
			lkl_do_irq(irq);
		}
	}
	running = 0;
	lkl_irq_flags = ARCH_IRQ_ENABLED;
}

/* Run pending interrupts in a borrowed context (idle or a parked task). */
void lkl_irq_run_borrowed(void)
{
	unsigned long flags = lkl_irq_flags;

	lkl_irq_flags = ARCH_IRQ_ENABLED;
	lkl_run_pending_irqs();
	lkl_irq_flags = flags;
}

/* Any host thread that is not the CPU owner. */
void lkl_trigger_irq(int irq)
{
	struct lkl_jmp_buf bail __uninitialized;	/* lkl_setjmp writes it */

	__atomic_fetch_or(&lkl_irq_pending, 1UL << irq, __ATOMIC_SEQ_CST);
	if (lkl_dead || lkl_shutdown || !lkl_cpu_trylock())
		return;
	if (lkl_setjmp(&bail))
		return;		/* a handler panicked: the kernel is dead */
	lkl_cpu_bail = &bail;
	lkl_cpu_release();
}

static void lkl_irq_noop(struct irq_data *data)
{
}

static struct irq_chip lkl_irq_chip = {
	.name		= "lkl",
	.irq_mask	= lkl_irq_noop,
	.irq_unmask	= lkl_irq_noop,
};

void __init init_IRQ(void)
{
	int irq;

	for (irq = 1; irq < NR_IRQS; irq++)
		irq_set_chip_and_handler(irq, &lkl_irq_chip, handle_simple_irq);
}
