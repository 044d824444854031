//! Structured exception handling for the one place the driver touches a
//! caller's raw buffer: IRP_MJ_QUERY_SECURITY's `Irp->UserBuffer`, which
//! the I/O manager hands over unprobed and unlocked. A bad user address
//! there raises an exception that only an SEH scope catches.
//!
//! Neither rustc nor mingw's gcc emits `__try` scopes for this target, so
//! the scope is written here in assembly (why not a C file: this needs no
//! build script and no second compiler). `lklfs_seh_call(f, ctx)` calls
//! `f(ctx)` inside one try scope and returns 0, or the code of the
//! exception that ended it. Its unwind information names ntoskrnl's
//! `__C_specific_handler` with a one-entry scope table (begin, end,
//! filter, target); the filter stores the exception code in the caller's
//! frame and asks for the handler, except for Wine's "unimplemented
//! function" code (0x80000100), which it lets through so such a call stays
//! loud. An instruction follows the call so that the return address is
//! inside the scope and not in the epilogue, where the unwinder would not
//! look for a handler. Checked under Wine: a raised status and a real page
//! fault in `f` both come back as their codes.

use core::ffi::c_void;

core::arch::global_asm!(
    r#"
    .text
    .globl  lklfs_seh_call
    .def    lklfs_seh_call; .scl 2; .type 32; .endef
    .p2align 4
    .seh_proc lklfs_seh_call
lklfs_seh_call:
    subq    $40, %rsp
    .seh_stackalloc 40
    .seh_endprologue
    .seh_handler __C_specific_handler, @except
.Llklfs_try_begin:
    movq    %rcx, %rax
    movq    %rdx, %rcx
    callq   *%rax
    xorl    %eax, %eax
.Llklfs_try_end:
.Llklfs_return:
    addq    $40, %rsp
    ret
.Llklfs_except:
    movl    32(%rsp), %eax
    jmp     .Llklfs_return
    .seh_handlerdata
    .long   1
    .rva    .Llklfs_try_begin, .Llklfs_try_end
    .rva    .Llklfs_filter
    .rva    .Llklfs_except
    .text
    .seh_endproc
    .p2align 4
.Llklfs_filter:
    movq    (%rcx), %rax
    movl    (%rax), %eax
    cmpl    $0x80000100, %eax
    je      .Llklfs_search
    movl    %eax, 32(%rdx)
    movl    $1, %eax
    ret
.Llklfs_search:
    xorl    %eax, %eax
    ret
"#,
    options(att_syntax)
);

unsafe extern "C" {
    fn lklfs_seh_call(f: unsafe extern "C" fn(*mut c_void), ctx: *mut c_void) -> u32;
}

unsafe extern "C" fn trampoline<F: FnOnce()>(ctx: *mut c_void) {
    // SAFETY: `guarded` passes its `Option<F>`, alive for the call.
    if let Some(f) = unsafe { (*ctx.cast::<Option<F>>()).take() } {
        f();
    }
}

/// Runs `f` inside an SEH scope: `Err` with the exception's code if one
/// ended it. `f` must own nothing that needs dropping (an exception
/// unwinds its frames without running destructors) and must not panic.
pub(crate) fn guarded<F: FnOnce()>(f: F) -> Result<(), u32> {
    let mut slot = Some(f);
    // SAFETY: the trampoline matches `F`, and `slot` outlives the call.
    let code = unsafe { lklfs_seh_call(trampoline::<F>, (&mut slot as *mut Option<F>).cast()) };
    if code == 0 { Ok(()) } else { Err(code) }
}
