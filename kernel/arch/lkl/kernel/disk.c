// SPDX-License-Identifier: GPL-2.0
/*
 * Host disks: a blk-mq driver whose requests call the host's read, write and
 * flush callbacks. It advertises a volatile write cache with FUA, so the
 * file systems send FLUSH and FUA and the host sees them in order; requests
 * are served synchronously in queue_rq, so there is no reordering below.
 * A failed host call completes the request with an I/O error.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
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
#define LKL_DISK_MAX_SEGMENTS	1024

struct lkl_blk {
	struct lkl_disk d;
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	/* Requests are served one at a time (queue_rq runs on the CPU). */
	struct lkl_disk_iov iov[LKL_DISK_MAX_SEGMENTS];
};

static int lkl_blk_major;
static struct lkl_blk *lkl_blks[LKL_DISK_MAX];
static DEFINE_MUTEX(lkl_blks_lock);	/* protects lkl_blks */

/* One host call for the request, merging runs of contiguous memory. */
static int lkl_blk_rw(struct lkl_blk *b, struct request *rq, int write)
{
	unsigned long long off = (unsigned long long)blk_rq_pos(rq) << SECTOR_SHIFT;
	struct req_iterator iter;
	struct bio_vec bv;
	unsigned int n = 0;

	rq_for_each_segment(bv, rq, iter) {
		char *p = page_address(bv.bv_page) + bv.bv_offset;

		if (n && (char *)b->iov[n - 1].base + b->iov[n - 1].len == p) {
			b->iov[n - 1].len += bv.bv_len;
			continue;
		}
		if (n == LKL_DISK_MAX_SEGMENTS)
			return -EIO;	/* cannot happen within the queue limits */
		b->iov[n].base = p;
		b->iov[n].len = bv.bv_len;
		n++;
	}
	if (!n)
		return 0;
	return write ? b->d.write(b->d.handle, b->iov, n, off) :
		       b->d.read(b->d.handle, b->iov, n, off);
}

static blk_status_t lkl_blk_queue_rq(struct blk_mq_hw_ctx *hctx,
				     const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct lkl_blk *b = hctx->queue->queuedata;
	blk_status_t status = BLK_STS_OK;

	blk_mq_start_request(rq);
	switch (req_op(rq)) {
	case REQ_OP_FLUSH:
		if (b->d.flush(b->d.handle))
			status = BLK_STS_IOERR;
		break;
	case REQ_OP_READ:
		if (lkl_blk_rw(b, rq, 0))
			status = BLK_STS_IOERR;
		break;
	case REQ_OP_WRITE:
		if (lkl_blk_rw(b, rq, 1))
			status = BLK_STS_IOERR;
		/* Forced unit access: durable before completion. */
		else if ((rq->cmd_flags & REQ_FUA) && b->d.flush(b->d.handle))
			status = BLK_STS_IOERR;
		break;
	default:
		status = BLK_STS_NOTSUPP;
	}
	blk_mq_end_request(rq, status);
	return BLK_STS_OK;
}

static const struct blk_mq_ops lkl_blk_mq_ops = {
	.queue_rq = lkl_blk_queue_rq,
};

static const struct block_device_operations lkl_blk_fops = {
	.owner = THIS_MODULE,
};

static void lkl_blk_free(struct lkl_blk *b)
{
	if (b->disk)
		put_disk(b->disk);
	blk_mq_free_tag_set(&b->tag_set);
	kvfree(b);
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
	b = kvzalloc(sizeof(*b), GFP_KERNEL);
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
	b->tag_set.queue_depth = 16;
	b->tag_set.numa_node = NUMA_NO_NODE;
	b->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	err = blk_mq_alloc_tag_set(&b->tag_set);
	if (err)
		goto out_unlock;
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
	blk_queue_max_hw_sectors(b->disk->queue, 8192);
	blk_queue_max_segments(b->disk->queue, LKL_DISK_MAX_SEGMENTS);
	/* Requests are synchronous host calls: fewer, larger ones are cheaper,
	 * so read ahead 4 MiB (twice the optimal size) instead of 128 KiB. */
	blk_queue_io_opt(b->disk->queue, 2 << 20);
	blk_queue_write_cache(b->disk->queue, true, true);
	if (d->readonly)
		set_disk_ro(b->disk, true);
	err = add_disk(b->disk);
	if (err)
		goto out_free;
	lkl_blks[index] = b;
	mutex_unlock(&lkl_blks_lock);
	return index;

out_free:
	lkl_blk_free(b);
	b = NULL;
out_unlock:
	mutex_unlock(&lkl_blks_lock);
	kvfree(b);
	return err;
}

long lkl_disk_remove(long index)
{
	struct lkl_blk *b;

	if (index < 0 || index >= LKL_DISK_MAX)
		return -EINVAL;
	mutex_lock(&lkl_blks_lock);
	b = lkl_blks[index];
	lkl_blks[index] = NULL;
	mutex_unlock(&lkl_blks_lock);
	if (!b)
		return -ENXIO;
	del_gendisk(b->disk);
	lkl_blk_free(b);
	return 0;
}

static int __init lkl_blk_init(void)
{
	lkl_blk_major = register_blkdev(0, "vd");
	return lkl_blk_major < 0 ? lkl_blk_major : 0;
}
device_initcall(lkl_blk_init);
