/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout of the relocatable kernel object. Linker-set boundaries
 * (initcalls, setup parameters, ...) must be defined here, inside output
 * sections, so they stay section-relative in a relocatable link.
 */
#include <asm/thread_info.h>
#include <asm/page.h>
#include <asm/cache.h>
#include <asm-generic/vmlinux.lds.h>

OUTPUT_FORMAT(CONFIG_OUTPUT_FORMAT)

jiffies = jiffies_64;

SECTIONS
{
	.init.text : {
		_sinittext = .;
		__init_begin = .;
		INIT_TEXT
		_einittext = .;
	}
	INIT_DATA_SECTION(16)
	.init.end : {
		__init_end = .;
	}

	.text : {
		_stext = .;
		_text = .;
		text = .;
		TEXT_TEXT
		SCHED_TEXT
		LOCK_TEXT
		CPUIDLE_TEXT
		IRQENTRY_TEXT
		SOFTIRQENTRY_TEXT
		_etext = .;
	}

	_sdata = .;
	RO_DATA(PAGE_SIZE)
	RW_DATA(L1_CACHE_BYTES, PAGE_SIZE, THREAD_SIZE)
	_edata = .;

	EXCEPTION_TABLE(16)

	BSS_SECTION(0, 0, 0)
	_end = .;

	STABS_DEBUG
	DWARF_DEBUG
	ELF_DETAILS

	DISCARDS
}
