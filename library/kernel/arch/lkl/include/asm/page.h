/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ASM_LKL_PAGE_H
#define _ASM_LKL_PAGE_H

/*
 * Kernel memory is one host allocation at an arbitrary host address. It is
 * given a low "physical" base so that the page-frame array starts near the
 * block instead of at frame 0 of the host address space (walking that hole
 * cost LKL most of its boot time). Virtual addresses are host addresses.
 */
#define PAGE_SHIFT	12
#ifdef __ASSEMBLY__
#define PAGE_SIZE	(1 << PAGE_SHIFT)
#else
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#endif
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define LKL_PHYS_BASE	0x100000UL
#define ARCH_PFN_OFFSET	(LKL_PHYS_BASE >> PAGE_SHIFT)

#ifndef __ASSEMBLY__
#include <linux/types.h>

#define clear_page(page)	memset((page), 0, PAGE_SIZE)
#define copy_page(to, from)	memcpy((to), (from), PAGE_SIZE)
#define clear_user_page(page, vaddr, pg)	clear_page(page)
#define copy_user_page(to, from, vaddr, pg)	copy_page(to, from)

typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pgd; } pgd_t;
typedef struct { unsigned long pgprot; } pgprot_t;
typedef struct page *pgtable_t;

#define pte_val(x)	((x).pte)
#define pmd_val(x)	((x).pmd)
#define pgd_val(x)	((x).pgd)
#define pgprot_val(x)	((x).pgprot)
#define __pte(x)	((pte_t) { (x) })
#define __pmd(x)	((pmd_t) { (x) })
#define __pgd(x)	((pgd_t) { (x) })
#define __pgprot(x)	((pgprot_t) { (x) })

/* Host address of physical address 0; set once at boot. */
extern unsigned long lkl_va_offset;
extern unsigned long memory_start, memory_end;

#define PAGE_OFFSET	(lkl_va_offset + LKL_PHYS_BASE)

#define __va(x)		((void *)((unsigned long)(x) + lkl_va_offset))
#define __pa(x)		((unsigned long)(x) - lkl_va_offset)

#define virt_to_pfn(kaddr)	(__pa(kaddr) >> PAGE_SHIFT)
#define pfn_to_virt(pfn)	__va((unsigned long)(pfn) << PAGE_SHIFT)
#define virt_to_page(addr)	pfn_to_page(virt_to_pfn(addr))
#define page_to_virt(page)	pfn_to_virt(page_to_pfn(page))
#define page_to_phys(page)	((phys_addr_t)page_to_pfn(page) << PAGE_SHIFT)
extern unsigned long max_mapnr;
#define pfn_valid(pfn) \
	((pfn) >= ARCH_PFN_OFFSET && ((pfn) - ARCH_PFN_OFFSET) < max_mapnr)
#define virt_addr_valid(kaddr)	pfn_valid(virt_to_pfn(kaddr))

#include <asm-generic/memory_model.h>
#include <asm-generic/getorder.h>
#endif

#endif
