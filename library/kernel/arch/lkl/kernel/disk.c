// SPDX-License-Identifier: GPL-2.0
/*
 * Host disks: a blk-mq driver whose requests call the host's read, write and
 * flush callbacks. It advertises a volatile write cache with FUA, so the
 * file systems send FLUSH and FUA and the host sees them in order.
 *
 * Each disk has a host I/O thread: queue_rq hands it the request and
 * returns, so the virtual CPU keeps running Linux while the host does the
 * I/O; the thread completes requests through an interrupt. It serves
 * requests strictly in the order they were queued, one at a time, so a
 * FLUSH is never passed by a later write. A failed host call completes the
 * request with an I/O error.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <asm/host_ops.h>
#include "lkl.h"

#define LKL_DISK_MINORS	16
#define LKL_DISK_MAX	26

/* One run of contiguous kernel memory of a request. */
struct lkl_disk_iov {
	void *base;
	unsigned long len;
};

/*
 * Filled by the host; copied at add time. A request reaches the host as one
 * vectored call covering its whole, contiguous range on the device: page
 * cache pages are rarely adjacent in memory, and one host call per page
 * would cost a system call each.
 */
struct lkl_disk {
	void *handle;
	unsigned long long size;
	unsigned int sector_size;
	int readonly;
	int (*read)(void *handle, const struct lkl_disk_iov *iov,
		    unsigned int count, unsigned long long off);
	int (*write)(void *handle, const struct lkl_disk_iov *iov,
		     unsigned int count, unsigned long long off);
	int (*flush)(void *handle);
};

/* A request has at most this many segments (see the queue limits). */
#define LKL_DISK_MAX_SEGMENTS	256
#define LKL_DISK_DEPTH		16
/* Rings hold every request in flight; a power of two above the depth. */
#define LKL_RING		32

/* Per-request data, filled by queue_rq and read by the I/O thread. */
struct lkl_blk_cmd {
	struct lkl_disk_iov iov[LKL_DISK_MAX_SEGMENTS];
	unsigned int count;
	unsigned long long off;
	int op;		/* REQ_OP_* */
	int fua;
	int err;
};

/*
 * Single-producer single-consumer ring of requests. The CPU owner pushes
 * submissions and pops completions; the I/O thread does the opposite.
 * Neither side may take a Linux lock, hence plain atomics.
 */
struct lkl_ring {
	struct request *slot[LKL_RING];
	unsigned int head;	/* next to pop */
	unsigned int tail;	/* next to push */
};

struct lkl_blk {
	struct lkl_disk d;
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct lkl_ring submitted, completed;
	void *io_sem;		/* counts submitted requests */
	void *io_thread;
	int stop;
};

static int lkl_blk_major;
static struct lkl_blk *lkl_blks[LKL_DISK_MAX];
static DEFINE_MUTEX(lkl_blks_lock);	/* protects lkl_blks */

static void ring_push(struct lkl_ring *r, struct request *rq)
{
	unsigned int t = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);

	r->slot[t % LKL_RING] = rq;
	__atomic_store_n(&r->tail, t + 1, __ATOMIC_RELEASE);
}

static struct request *ring_pop(struct lkl_ring *r)
{
	unsigned int h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	struct request *rq;

	if (h == __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE))
		return NULL;
	rq = r->slot[h % LKL_RING];
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
	return rq;
}

/* Collects the request's memory as runs, merging adjacent pages. */
static int lkl_blk_map(struct request *rq, struct lkl_blk_cmd *cmd)
{
	struct req_iterator iter;
	struct bio_vec bv;
	unsigned int n = 0;

	cmd->off = (unsigned long long)blk_rq_pos(rq) << SECTOR_SHIFT;
	rq_for_each_segment(bv, rq, iter) {
		char *p = page_address(bv.bv_page) + bv.bv_offset;

		if (n && (char *)cmd->iov[n - 1].base + cmd->iov[n - 1].len == p) {
			cmd->iov[n - 1].len += bv.bv_len;
			continue;
		}
		if (n == LKL_DISK_MAX_SEGMENTS)
			return -EIO;	/* cannot happen within the queue limits */
		cmd->iov[n].base = p;
		cmd->iov[n].len = bv.bv_len;
		n++;
	}
	cmd->count = n;
	return 0;
}

/* On the I/O thread: the host call for one request. */
static int lkl_blk_serve(struct lkl_blk *b, struct lkl_blk_cmd *cmd)
{
	int err;

	switch (cmd->op) {
	case REQ_OP_FLUSH:
		return b->d.flush(b->d.handle);
	case REQ_OP_READ:
		if (!cmd->count)
			return 0;
		return b->d.read(b->d.handle, cmd->iov, cmd->count, cmd->off);
	case REQ_OP_WRITE:
		err = cmd->count ? b->d.write(b->d.handle, cmd->iov, cmd->count,
					      cmd->off) : 0;
		/* Forced unit access: durable before completion. */
		if (!err && cmd->fua)
			err = b->d.flush(b->d.handle);
		return err;
	}
	return -EOPNOTSUPP;
}

static void lkl_blk_io_thread(void *arg)
{
	struct lkl_blk *b = arg;

	for (;;) {
		struct request *rq;

		lkl_ops->sem_down(b->io_sem);
		if (lkl_dead || __atomic_load_n(&b->stop, __ATOMIC_ACQUIRE))
			return;
		rq = ring_pop(&b->submitted);
		if (!rq)
			continue;
		{
			struct lkl_blk_cmd *cmd = blk_mq_rq_to_pdu(rq);

			cmd->err = lkl_blk_serve(b, cmd);
		}
		ring_push(&b->completed, rq);
		lkl_trigger_irq(LKL_DISK_IRQ);
	}
}

static irqreturn_t lkl_blk_irq(int irq, void *dev)
{
	int i;

	for (i = 0; i < LKL_DISK_MAX; i++) {
		struct lkl_blk *b = READ_ONCE(lkl_blks[i]);
		struct request *rq;

		if (!b)
			continue;
		while ((rq = ring_pop(&b->completed))) {
			struct lkl_blk_cmd *cmd = blk_mq_rq_to_pdu(rq);

			blk_mq_end_request(rq, cmd->err ? BLK_STS_IOERR :
							  BLK_STS_OK);
		}
	}
	return IRQ_HANDLED;
}

static blk_status_t lkl_blk_queue_rq(struct blk_mq_hw_ctx *hctx,
				     const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct lkl_blk *b = hctx->queue->queuedata;
	struct lkl_blk_cmd *cmd = blk_mq_rq_to_pdu(rq);

	cmd->op = req_op(rq);
	cmd->fua = !!(rq->cmd_flags & REQ_FUA);
	cmd->count = 0;
	if (cmd->op != REQ_OP_FLUSH && cmd->op != REQ_OP_READ &&
	    cmd->op != REQ_OP_WRITE)
		return BLK_STS_NOTSUPP;
	if (cmd->op != REQ_OP_FLUSH && lkl_blk_map(rq, cmd))
		return BLK_STS_IOERR;
	blk_mq_start_request(rq);
	ring_push(&b->submitted, rq);
	lkl_ops->sem_up(b->io_sem);
	return BLK_STS_OK;
}

static const struct blk_mq_ops lkl_blk_mq_ops = {
	.queue_rq = lkl_blk_queue_rq,
};

static const struct block_device_operations lkl_blk_fops = {
	.owner = THIS_MODULE,
};

/* Stops and joins the I/O thread; every request must have completed. */
static void lkl_blk_stop_thread(struct lkl_blk *b)
{
	if (!b->io_thread)
		return;
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
	lkl_ops->sem_up(b->io_sem);
	lkl_ops->thread_join(b->io_thread);
	b->io_thread = NULL;
}

static void lkl_blk_free(struct lkl_blk *b)
{
	lkl_blk_stop_thread(b);
	if (b->io_sem)
		lkl_ops->sem_free(b->io_sem);
	if (b->disk)
		put_disk(b->disk);
	blk_mq_free_tag_set(&b->tag_set);
	kfree(b);
}

/* Returns the disk index (vda = 0) or a negative errno. */
long lkl_disk_add(const struct lkl_disk *d)
{
	struct lkl_blk *b;
	int index, err;

	if (!d || !d->read || !d->write || !d->flush ||
	    (d->sector_size != 512 && d->sector_size != 4096) ||
	    d->size < d->sector_size)
		return -EINVAL;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->d = *d;

	mutex_lock(&lkl_blks_lock);
	for (index = 0; index < LKL_DISK_MAX && lkl_blks[index]; index++)
		;
	if (index == LKL_DISK_MAX) {
		err = -ENOSPC;
		goto out_unlock;
	}

	b->tag_set.ops = &lkl_blk_mq_ops;
	b->tag_set.nr_hw_queues = 1;
	b->tag_set.queue_depth = LKL_DISK_DEPTH;
	b->tag_set.numa_node = NUMA_NO_NODE;
	b->tag_set.cmd_size = sizeof(struct lkl_blk_cmd);
	b->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	err = blk_mq_alloc_tag_set(&b->tag_set);
	if (err)
		goto out_unlock;
	b->io_sem = lkl_ops->sem_alloc(0);
	b->io_thread = b->io_sem ?
		lkl_ops->thread_create(lkl_blk_io_thread, b) : NULL;
	if (!b->io_thread) {
		err = -ENOMEM;
		goto out_free;
	}
	b->disk = blk_mq_alloc_disk(&b->tag_set, b);
	if (IS_ERR(b->disk)) {
		err = PTR_ERR(b->disk);
		b->disk = NULL;
		goto out_free;
	}
	b->disk->major = lkl_blk_major;
	b->disk->first_minor = index * LKL_DISK_MINORS;
	b->disk->minors = LKL_DISK_MINORS;
	b->disk->fops = &lkl_blk_fops;
	b->disk->private_data = b;
	snprintf(b->disk->disk_name, DISK_NAME_LEN, "vd%c", 'a' + index);
	set_capacity(b->disk, d->size >> SECTOR_SHIFT);
	blk_queue_logical_block_size(b->disk->queue, d->sector_size);
	blk_queue_physical_block_size(b->disk->queue, d->sector_size);
	blk_queue_max_hw_sectors(b->disk->queue,
				 LKL_DISK_MAX_SEGMENTS * (PAGE_SIZE >> SECTOR_SHIFT));
	blk_queue_max_segments(b->disk->queue, LKL_DISK_MAX_SEGMENTS);
	/* Read ahead 4 MiB (twice the optimal size) instead of 128 KiB. */
	blk_queue_io_opt(b->disk->queue, 2 << 20);
	blk_queue_write_cache(b->disk->queue, true, true);
	if (d->readonly)
		set_disk_ro(b->disk, true);
	/* Completions may arrive as soon as add_disk scans partitions. */
	WRITE_ONCE(lkl_blks[index], b);
	err = add_disk(b->disk);
	if (err) {
		WRITE_ONCE(lkl_blks[index], NULL);
		goto out_free;
	}
	mutex_unlock(&lkl_blks_lock);
	return index;

out_free:
	lkl_blk_free(b);
	b = NULL;
out_unlock:
	mutex_unlock(&lkl_blks_lock);
	kfree(b);
	return err;
}

long lkl_disk_remove(long index)
{
	struct lkl_blk *b;

	if (index < 0 || index >= LKL_DISK_MAX)
		return -EINVAL;
	mutex_lock(&lkl_blks_lock);
	b = lkl_blks[index];
	if (!b) {
		mutex_unlock(&lkl_blks_lock);
		return -ENXIO;
	}
	/* Drains the queue: completions still arrive through lkl_blks. */
	del_gendisk(b->disk);
	WRITE_ONCE(lkl_blks[index], NULL);
	mutex_unlock(&lkl_blks_lock);
	lkl_blk_free(b);
	return 0;
}

/* Halt: stop every I/O thread and free its host objects before the
 * kernel's memory goes away (the disks themselves go with it). */
void lkl_disks_stop(void)
{
	int i;

	for (i = 0; i < LKL_DISK_MAX; i++) {
		struct lkl_blk *b = lkl_blks[i];

		if (!b)
			continue;
		lkl_blk_stop_thread(b);
		if (b->io_sem)
			lkl_ops->sem_free(b->io_sem);
		b->io_sem = NULL;
	}
}

/* The debug dump: where each disk's requests are. */
void lkl_disks_show(void)
{
	int i;

	for (i = 0; i < LKL_DISK_MAX; i++) {
		struct lkl_blk *b = READ_ONCE(lkl_blks[i]);

		if (!b)
			continue;
		pr_info("vd%c: submitted %u..%u completed %u..%u\n", 'a' + i,
			__atomic_load_n(&b->submitted.head, __ATOMIC_ACQUIRE),
			__atomic_load_n(&b->submitted.tail, __ATOMIC_ACQUIRE),
			__atomic_load_n(&b->completed.head, __ATOMIC_ACQUIRE),
			__atomic_load_n(&b->completed.tail, __ATOMIC_ACQUIRE));
	}
}

static int __init lkl_blk_init(void)
{
	int err;

	lkl_blk_major = register_blkdev(0, "vd");
	if (lkl_blk_major < 0)
		return lkl_blk_major;
	err = request_irq(LKL_DISK_IRQ, lkl_blk_irq, 0, "disk", NULL);
	return err;
}
device_initcall(lkl_blk_init);
