// SPDX-License-Identifier: GPL-2.0
/* Kernel memory: one host block, described to memblock at LKL_PHYS_BASE. */
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/pfn.h>
#include <linux/init.h>
#include <asm/host_ops.h>
#include "lkl.h"

unsigned long lkl_va_offset;
unsigned long memory_start, memory_end;
void *empty_zero_page;

void __init lkl_bootmem_init(void)
{
	unsigned long max_zone_pfn[MAX_NR_ZONES] = { 0 };
	unsigned long start = ALIGN((unsigned long)lkl_mem_block, PAGE_SIZE);
	unsigned long size = lkl_mem_size & PAGE_MASK;

	memory_start = start;
	memory_end = start + size;
	lkl_va_offset = start - LKL_PHYS_BASE;

	memblock_add(LKL_PHYS_BASE, size);
	min_low_pfn = PFN_UP(LKL_PHYS_BASE);
	max_low_pfn = PFN_DOWN(LKL_PHYS_BASE + size);
	max_pfn = max_low_pfn;
	set_max_mapnr(max_low_pfn - ARCH_PFN_OFFSET);
	high_memory = (void *)memory_end;

	empty_zero_page = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!empty_zero_page)
		panic("lkl: no memory for the zero page\n");

	max_zone_pfn[ZONE_NORMAL] = max_low_pfn;
	free_area_init(max_zone_pfn);
}

void __init mem_init(void)
{
	memblock_free_all();
}

/* Init code and data live in the host image, not in kernel memory. */
void free_initmem(void)
{
}
