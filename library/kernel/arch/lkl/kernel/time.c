// SPDX-License-Identifier: GPL-2.0
/*
 * Time: the clocksource reads host monotonic nanoseconds, the clock event
 * is a host one-shot timer whose expiry raises LKL_TIMER_IRQ, and the wall
 * clock starts from the host's at boot.
 */
#include <linux/clocksource.h>
#include <linux/clockchips.h>
#include <linux/interrupt.h>
#include <linux/time.h>
#include <linux/timekeeping.h>
#include <linux/sched/stat.h>
#include <linux/sched.h>
#include <asm/host_ops.h>
#include "lkl.h"

static void *lkl_timer;

static u64 lkl_cs_read(struct clocksource *cs)
{
	return lkl_ops->time_ns();
}

static struct clocksource lkl_clocksource = {
	.name	= "lkl",
	.rating	= 400,
	.read	= lkl_cs_read,
	.mask	= CLOCKSOURCE_MASK(64),
	.flags	= CLOCK_SOURCE_IS_CONTINUOUS | CLOCK_SOURCE_VALID_FOR_HRES,
};

static int lkl_ce_next_event(unsigned long delta,
			     struct clock_event_device *evt)
{
	return lkl_ops->timer_set_oneshot(lkl_timer, delta);
}

static int lkl_ce_shutdown(struct clock_event_device *evt)
{
	/* A stale expiry only runs the handler once with nothing due. */
	return 0;
}

static struct clock_event_device lkl_clockevent = {
	.name			= "lkl",
	.features		= CLOCK_EVT_FEAT_ONESHOT,
	.set_next_event		= lkl_ce_next_event,
	.set_state_shutdown	= lkl_ce_shutdown,
	.set_state_oneshot	= lkl_ce_shutdown,
	.rating			= 400,
};

static irqreturn_t lkl_timer_irq(int irq, void *dev)
{
	lkl_clockevent.event_handler(&lkl_clockevent);
	return IRQ_HANDLED;
}

/* Host timer thread. */
static void lkl_timer_fire(void *arg)
{
	lkl_trigger_irq(LKL_TIMER_IRQ);
}

void read_persistent_clock64(struct timespec64 *ts)
{
	unsigned long long ns = lkl_ops->wall_ns();

	ts->tv_sec = ns / NSEC_PER_SEC;
	ts->tv_nsec = ns % NSEC_PER_SEC;
}

void __init time_init(void)
{
	int ret;

	lkl_timer = lkl_ops->timer_alloc(lkl_timer_fire, NULL);
	if (!lkl_timer)
		panic("lkl: no host timer\n");
	ret = request_irq(LKL_TIMER_IRQ, lkl_timer_irq, IRQF_TIMER, "timer",
			  NULL);
	if (ret)
		panic("lkl: timer irq: %d\n", ret);
	clocksource_register_hz(&lkl_clocksource, NSEC_PER_SEC);
	lkl_clockevent.cpumask = cpu_possible_mask;
	clockevents_config_and_register(&lkl_clockevent, NSEC_PER_SEC, 1,
					ULONG_MAX);
}

void lkl_timer_stop(void)
{
	if (lkl_timer)
		lkl_ops->timer_free(lkl_timer);
	lkl_timer = NULL;
}

/* The debug dump: the clock event and interrupt state, for timer hangs. */
void lkl_time_show(void)
{
	struct task_struct *ksoftirqd = this_cpu_ksoftirqd();

	pr_info("time: jiffies %lu now %lld next event %lld mode %d irq pending %lx softirq pending %x ksoftirqd state %x on rq %d nr_running %u\n",
		jiffies, ktime_get(),
		lkl_clockevent.next_event,
		(int)lkl_clockevent.state_use_accessors,
		__atomic_load_n(&lkl_irq_pending, __ATOMIC_ACQUIRE),
		local_softirq_pending(),
		ksoftirqd ? READ_ONCE(ksoftirqd->__state) : 0xdead,
		ksoftirqd ? ksoftirqd->on_rq : -1, nr_running());
}
