//! Test build only: one file operation of the file IOCTL as the IRPs a
//! Windows program's call would make, with the I/O manager's own steps
//! (its access checks, a rename's target-directory open, the current byte
//! offset of a synchronous file object).

use alloc::vec::Vec;
use core::ptr;

use driver_ioctl::fsops::{self, Op};
use fs_glue::nt::{
    DELETE, FILE_DISPOSITION_INFORMATION, FILE_LINK_INFORMATION, FILE_RENAME_INFORMATION, FILE_RENAME_INFORMATION_EX,
    FILE_RENAME_REPLACE_IF_EXISTS,
};
use nt::{DEVICE_OBJECT, FILE_OBJECT, NTSTATUS, UNICODE_STRING, VPB};

use super::irp::{call, close, control_buffered, create, create_ea, fsctl_buffered, send_flagged};
use super::{
    ATTRIBUTE_NORMAL, FILE_USE_FILE_POINTER_POSITION, HFile, Mounted, SHARE_ALL, TARGET_DIR_ACCESS, fill_slot,
    linuxview, locks, reparse, volume_fo,
};

/// An address in the first page, which no process maps: a QUERY_SECURITY
/// buffer there must fault inside the driver's SEH scope.
const BAD_USER_ADDRESS: usize = 0x10;

/// `Op::Create` as NtCreateFile does it: the create, and while the file
/// system answers STATUS_REPARSE for a symbolic link, the create again with
/// the name the I/O manager makes of it (`reparse::follow`).
fn create_following(
    m: &mut Mounted,
    handle: u32,
    offset: u64,
    args: [u32; 3],
    name: &[u16],
    data: &[u8],
    out: &mut [u8],
) -> (u32, u64) {
    let v = m.volume as *mut DEVICE_OBJECT;
    let vpb: *mut VPB = &mut *m.vpb;
    let real = m.real as *mut DEVICE_OBJECT;
    let mut related = None;
    if offset & fsops::CREATE_RELATED != 0 {
        match m.files.get_mut(handle as usize).and_then(|s| s.as_mut()) {
            Some(r) => related = Some((r.ptr(), r.path.clone())),
            None => return (fs_glue::NtStatus::INVALID_HANDLE.0, 0),
        }
    }
    let share = if offset & fsops::CREATE_SHARE_GIVEN != 0 { (offset & 7) as u16 } else { SHARE_ALL };
    let attributes = if offset & fsops::CREATE_ATTRIBUTES_GIVEN != 0 {
        (offset >> fsops::CREATE_ATTRIBUTES_SHIFT) as u16
    } else {
        ATTRIBUTE_NORMAL
    };
    let asked = fs_glue::Access::from_bits_retain(args[2]);
    let mut name = name.to_vec();
    for _ in 0..=reparse::MAX_REPARSES {
        let mut f = HFile::new(&name, vpb, real);
        if let Some((fo, _)) = &related {
            f.fo.RelatedFileObject = *fo;
        }
        if !asked.contains(fs_glue::Access::MAXIMUM_ALLOWED) {
            f.access = asked.map_generic().bits();
        }
        // The name from the root, for a link met on the way.
        f.path = match &related {
            Some((_, base)) if name.is_empty() => base.clone(),
            Some((_, base)) => [&base[..], &[b'\\' as u16], &name[..]].concat(),
            None => name.clone(),
        };
        // SAFETY: the live volume and our new file object (and the related
        // one, open in `m.files`).
        let (status, info) = unsafe { create_ea(v, &mut f, args[2], args[0], args[1], share, 0, attributes, data) };
        if status == fs_glue::NtStatus::REPARSE.0 as NTSTATUS {
            let Some(reparse) = f.reparse.take() else { return (nt::STATUS_INVALID_PARAMETER as u32, 0) };
            match reparse::follow(&f.path, &reparse, &link_root(v)) {
                Ok(next) => name = next,
                Err(s) => return (s as u32, 0),
            }
            related = None;
            continue;
        }
        if nt::nt_success(status) {
            let slot = fill_slot(&mut m.files, f);
            let n = out.len().min(4);
            if let (Some(dst), Some(src)) = (out.get_mut(..n), (slot as u32).to_le_bytes().get(..n)) {
                dst.copy_from_slice(src);
            }
        }
        return (status as u32, info as u64);
    }
    (fs_glue::NtStatus::REPARSE_POINT_NOT_RESOLVED.0, 0)
}

/// The volume's link root (`\??\E:`): where the object manager would send
/// an absolute link's target.
fn link_root(volume: *mut DEVICE_OBJECT) -> Vec<u16> {
    // SAFETY: the harness's mounted volume device, alive while mounted.
    let Some(ext) = (unsafe { crate::fsd::volume::volume_of(volume) }) else { return Vec::new() };
    let mount = ext.mount.lock();
    mount.as_ref().map_or_else(Vec::new, |m| m.vcb.volume().options().link_root.encode_utf16().collect())
}

#[allow(clippy::too_many_arguments)]
pub(super) fn run_op(
    m: &mut Mounted,
    op: Op,
    handle: u32,
    offset: u64,
    args: [u32; 3],
    name: &[u16],
    data: &[u8],
    out: &mut [u8],
) -> (u32, u64) {
    let v = m.volume as *mut DEVICE_OBJECT;
    let vpb: *mut VPB = &mut *m.vpb;
    let real = m.real as *mut DEVICE_OBJECT;
    let r = |(s, i): (NTSTATUS, usize)| (s as u32, i as u64);
    if op == Op::Create {
        return create_following(m, handle, offset, args, name, data, out);
    }
    if op == Op::Verify {
        let Some(fs) = crate::fsd::fs_device_object() else { return (nt::STATUS_DEVICE_NOT_READY as u32, 0) };
        // SAFETY: the live file-system device, our VPB and the claimed disk.
        return r(unsafe {
            call(fs, nt::IRP_MJ_FILE_SYSTEM_CONTROL, nt::IRP_MN_VERIFY_VOLUME, ptr::null_mut(), 0, None, None, |sp| {
                sp.Parameters.VerifyVolume.Vpb = vpb;
                sp.Parameters.VerifyVolume.DeviceObject = real;
            })
        });
    }
    if matches!(op, Op::Fsctl | Op::DeviceControl) && handle == driver_ioctl::fsops::VOLUME_HANDLE {
        let fo = match volume_fo(m) {
            Ok(fo) => fo,
            Err(s) => return (s as u32, 0),
        };
        let major = if op == Op::Fsctl { nt::IRP_MJ_FILE_SYSTEM_CONTROL } else { nt::IRP_MJ_DEVICE_CONTROL };
        // SAFETY: the live volume and our volume open.
        return r(unsafe { control_buffered(v, fo, major, args[0], data, out) });
    }
    if op == Op::Linux {
        return linuxview::run(v, args, data, out);
    }
    if op == Op::Ticket {
        return locks::ticket(m, args, out);
    }
    if op == Op::Pnp {
        if args[1] == 1 {
            m.claim.pull();
        }
        let minor = args[0] as u8;
        // The PnP manager holds no open of the volume, and a query-remove
        // counts every open: the harness's own goes first.
        if minor == nt::IRP_MN_QUERY_REMOVE_DEVICE && m.volume_open {
            // SAFETY: the live volume and our volume open.
            unsafe { close(v, &mut m.volume_file) };
            m.volume_open = false;
        }
        // SAFETY: the live volume; PnP requests carry no file object.
        let status = r(unsafe { call(v, nt::IRP_MJ_PNP, minor, ptr::null_mut(), 0, None, None, |_| {}) });
        if minor == nt::IRP_MN_CANCEL_REMOVE_DEVICE {
            // The volume is the harness's again.
            let _ = volume_fo(m);
        } else if !m.volume_open && matches!(minor, nt::IRP_MN_REMOVE_DEVICE | nt::IRP_MN_SURPRISE_REMOVAL) {
            // Nothing of the harness held the volume: it went with the
            // remove (or goes with the last file's close).
            m.volume_gone = true;
        }
        return status;
    }
    if op == Op::SetVolumeInformation {
        let fo = match volume_fo(m) {
            Ok(fo) => fo,
            Err(s) => return (s as u32, 0),
        };
        let mut copy = data.to_vec();
        let (p, len) = (copy.as_mut_ptr(), copy.len() as u32);
        // SAFETY: the live volume, our volume open and `copy`, the
        // request's system buffer as the I/O manager would allocate it.
        return r(unsafe {
            call(v, nt::IRP_MJ_SET_VOLUME_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
                sp.Parameters.SetVolume.Length = len;
                sp.Parameters.SetVolume.FsInformationClass = args[0] as i32;
            })
        });
    }
    if op == Op::QueryVolumeInformation {
        let fo = match volume_fo(m) {
            Ok(fo) => fo,
            Err(s) => return (s as u32, 0),
        };
        let (p, len) = (out.as_mut_ptr(), out.len() as u32);
        // SAFETY: the live volume, our volume open and `out`.
        return r(unsafe {
            call(v, nt::IRP_MJ_QUERY_VOLUME_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
                sp.Parameters.QueryVolume.Length = len;
                sp.Parameters.QueryVolume.FsInformationClass = args[0] as i32;
            })
        });
    }
    let Some(f) = m.files.get_mut(handle as usize).and_then(|s| s.as_mut()) else {
        return (fs_glue::NtStatus::INVALID_HANDLE.0, 0);
    };
    let fo = f.ptr();
    // SAFETY: every call below gets the live volume, an open harness file
    // object, and buffers that outlive the call.
    unsafe {
        match op {
            Op::Close => {
                let status = close(v, f);
                if let Some(s) = m.files.get_mut(handle as usize) {
                    *s = None;
                }
                // Its cleanup ended its waiting lock requests.
                locks::settle(m, handle);
                (status as u32, 0)
            }
            Op::Lock => locks::lock(m, handle, offset, args, data),
            Op::Notify => locks::notify(m, handle, args),
            Op::Read | Op::Write => {
                let write = op == Op::Write;
                // NtReadFile/NtWriteFile on a synchronous file object turn
                // FILE_USE_FILE_POINTER_POSITION into the current offset.
                let offset =
                    if offset as i64 == FILE_USE_FILE_POINTER_POSITION && f.fo.Flags & nt::FO_SYNCHRONOUS_IO != 0 {
                        f.fo.CurrentByteOffset as u64
                    } else {
                        offset
                    };
                let (p, len) =
                    if write { (data.as_ptr() as *mut u8, data.len()) } else { (out.as_mut_ptr(), out.len()) };
                let major = if write { nt::IRP_MJ_WRITE } else { nt::IRP_MJ_READ };
                // The Cache Manager's and memory manager's page moves.
                let flags = if args[0] & fsops::IO_PAGING != 0 { nt::IRP_PAGING_IO | nt::IRP_NOCACHE } else { 0 };
                let sent = send_flagged(v, major, 0, fo, 0, flags, None, Some((p, len)), |sp| {
                    sp.Parameters.Read.Length = len as u32;
                    sp.Parameters.Read.Key = 0;
                    sp.Parameters.Read.ByteOffset = offset as i64;
                });
                r(sent.map_or_else(|s| (s, 0), |s| s.finish()))
            }
            Op::QueryDirectory => {
                let mut pattern = name.to_vec();
                let bytes = (pattern.len() * 2) as u16;
                let mut us = UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: pattern.as_mut_ptr() };
                let us_ptr: *mut UNICODE_STRING = if pattern.is_empty() { ptr::null_mut() } else { &mut us };
                let mut flags = 0;
                if args[1] & 1 != 0 {
                    flags |= nt::SL_RESTART_SCAN;
                }
                if args[1] & 2 != 0 {
                    flags |= nt::SL_RETURN_SINGLE_ENTRY;
                }
                if args[1] & 4 != 0 {
                    flags |= nt::SL_INDEX_SPECIFIED;
                }
                let (p, len) = (out.as_mut_ptr(), out.len());
                r(call(
                    v,
                    nt::IRP_MJ_DIRECTORY_CONTROL,
                    nt::IRP_MN_QUERY_DIRECTORY,
                    fo,
                    flags,
                    None,
                    Some((p, len)),
                    |sp| {
                        let q = &mut sp.Parameters.QueryDirectory;
                        q.Length = len as u32;
                        q.FileName = us_ptr;
                        q.FileInformationClass = args[0] as i32;
                        q.FileIndex = args[2];
                    },
                ))
            }
            Op::QueryInformation => {
                let (p, len) = (out.as_mut_ptr(), out.len() as u32);
                r(call(v, nt::IRP_MJ_QUERY_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
                    sp.Parameters.QueryFile.Length = len;
                    sp.Parameters.QueryFile.FileInformationClass = args[0] as i32;
                }))
            }
            Op::SetInformation if is_rename_or_link(args[0]) => {
                rename_or_link(v, vpb, real, fo, f.access, args[0], data)
            }
            // arg1 bit 0: AdvanceOnly, the Cache Manager's valid-data advance.
            Op::SetInformation => set_info(v, fo, args[0], data, ptr::null_mut(), 0, (args[1] & 1) as u8),
            Op::Flush => r(call(v, nt::IRP_MJ_FLUSH_BUFFERS, 0, fo, 0, None, None, |_| {})),
            Op::Delete => set_info(v, fo, FILE_DISPOSITION_INFORMATION, &[1], ptr::null_mut(), 0, 0),
            // NtSetInformationFile checks the handle's DELETE right for a
            // rename before it opens the target directory.
            Op::Rename => {
                let info = rename_info(name, args[0] & 1 != 0);
                rename_or_link(v, vpb, real, fo, f.access, FILE_RENAME_INFORMATION, &info)
            }
            Op::Fsctl => r(fsctl_buffered(v, fo, args[0], data, out)),
            Op::DeviceControl => r(control_buffered(v, fo, nt::IRP_MJ_DEVICE_CONTROL, args[0], data, out)),
            Op::QueryEa => {
                // The I/O manager's kernel copy of the EaList.
                let mut list = data.to_vec();
                let (lp, ll) = (if list.is_empty() { ptr::null_mut() } else { list.as_mut_ptr() }, list.len() as u32);
                let len = out.len();
                let direct = (len > 0).then_some((out.as_mut_ptr(), len));
                r(call(v, nt::IRP_MJ_QUERY_EA, 0, fo, args[0] as u8, None, direct, |sp| {
                    let q = &mut sp.Parameters.QueryEa;
                    q.Length = len as u32;
                    q.EaList = lp.cast();
                    q.EaListLength = ll;
                    q.EaIndex = args[1];
                }))
            }
            Op::QuerySecurity => {
                // The caller's raw buffer (QUERY_SECURITY is neither
                // buffered nor direct), or with arg1 = 1 an address no
                // program owns.
                let len = out.len();
                let user = if args[1] == 1 { BAD_USER_ADDRESS as *mut u8 } else { out.as_mut_ptr() };
                r(call(v, nt::IRP_MJ_QUERY_SECURITY, 0, fo, 0, None, Some((user, len)), |sp| {
                    let q = &mut sp.Parameters.QuerySecurity;
                    q.SecurityInformation = args[0];
                    q.Length = len as u32;
                }))
            }
            Op::SetSecurity => {
                // The I/O manager's captured copy, of a descriptor its
                // capture accepts.
                let Some(len) = fs_glue::security::self_relative_len(data) else {
                    return (nt::STATUS_INVALID_SECURITY_DESCR as u32, 0);
                };
                let mut copy = data.get(..len).unwrap_or(&[]).to_vec();
                let sd = copy.as_mut_ptr();
                r(call(v, nt::IRP_MJ_SET_SECURITY, 0, fo, 0, None, None, |sp| {
                    let q = &mut sp.Parameters.SetSecurity;
                    q.SecurityInformation = args[0];
                    q.SecurityDescriptor = sd.cast();
                }))
            }
            Op::SetEa => {
                let mut copy = data.to_vec();
                let len = copy.len();
                let direct = (len > 0).then_some((copy.as_mut_ptr(), len));
                r(call(v, nt::IRP_MJ_SET_EA, 0, fo, 0, None, direct, |sp| sp.Parameters.SetEa.Length = len as u32))
            }
            _ => (nt::STATUS_INVALID_DEVICE_REQUEST as u32, 0),
        }
    }
}

/// IRP_MJ_SET_INFORMATION of `class` from `data` (copied: the FSD may
/// read it as its own system buffer).
///
/// # Safety
/// `v` live; `fo` an open harness file object; `target` null or one too.
pub(super) unsafe fn set_info(
    v: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    class: u32,
    data: &[u8],
    target: *mut FILE_OBJECT,
    replace: u8,
    advance_only: u8,
) -> (u32, u64) {
    let mut buf = data.to_vec();
    let (p, len) = (buf.as_mut_ptr(), buf.len() as u32);
    // SAFETY: the caller's contract; `buf` lives across the call.
    let (s, i) = unsafe {
        call(v, nt::IRP_MJ_SET_INFORMATION, 0, fo, 0, Some(p), None, |sp| {
            let p = &mut sp.Parameters.SetFile;
            p.Length = len;
            p.FileInformationClass = class as i32;
            p.FileObject = target;
            p.ReplaceIfExists = replace;
            p.AdvanceOnly = advance_only;
        })
    };
    (s as u32, i as u64)
}

/// FILE_RENAME_INFORMATION: ReplaceIfExists, RootDirectory (none),
/// FileNameLength, FileName.
pub(super) fn rename_info(name: &[u16], replace: bool) -> Vec<u8> {
    let mut info = alloc::vec![u8::from(replace), 0, 0, 0, 0, 0, 0, 0];
    info.extend_from_slice(&[0u8; 8]);
    info.extend_from_slice(&((name.len() * 2) as u32).to_le_bytes());
    info.extend(name.iter().flat_map(|u| u.to_le_bytes()));
    info
}

/// FileRenameInformation(Ex) and FileLinkInformation.
fn is_rename_or_link(class: u32) -> bool {
    [FILE_RENAME_INFORMATION, FILE_LINK_INFORMATION, FILE_RENAME_INFORMATION_EX].contains(&class)
}

/// A rename or link as NtSetInformationFile does it: a rename needs the
/// handle's DELETE right; a target name starting with a backslash is a
/// full path, whose directory is opened first with SL_OPEN_TARGET_DIRECTORY
/// and passed along with ReplaceIfExists; a plain name stays in the same
/// directory. (A RootDirectory handle is not part of the file IOCTL.)
///
/// # Safety
/// As [`set_info`].
pub(super) unsafe fn rename_or_link(
    v: *mut DEVICE_OBJECT,
    vpb: *mut VPB,
    real: *mut DEVICE_OBJECT,
    fo: *mut FILE_OBJECT,
    access: u32,
    class: u32,
    info: &[u8],
) -> (u32, u64) {
    let ex = class == FILE_RENAME_INFORMATION_EX;
    let is_rename = class == FILE_RENAME_INFORMATION || class == FILE_RENAME_INFORMATION_EX;
    if is_rename && access & DELETE == 0 {
        return (nt::STATUS_ACCESS_DENIED as u32, 0);
    }
    // ReplaceIfExists (a BOOLEAN) or the EX form's Flags; RootDirectory at
    // 8, FileNameLength at 16, FileName at 20.
    let word = |at: usize| info.get(at..at + 4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes);
    let (Some(first), Some(name_len)) = (word(0), word(16)) else {
        return (fs_glue::NtStatus::INFO_LENGTH_MISMATCH.0, 0);
    };
    let replace = if ex { first & FILE_RENAME_REPLACE_IF_EXISTS != 0 } else { first & 0xFF != 0 };
    let name: Vec<u16> = info
        .get(20..20 + name_len as usize)
        .unwrap_or(&[])
        .chunks_exact(2)
        .filter_map(|c| c.try_into().ok())
        .map(u16::from_le_bytes)
        .collect();
    if name.first() != Some(&(b'\\' as u16)) {
        // SAFETY: the caller's contract.
        return unsafe { set_info(v, fo, class, info, ptr::null_mut(), u8::from(replace), 0) };
    }
    let mut target = HFile::new(&name, vpb, real);
    // SAFETY: the caller's contract; `target` is our new file object.
    unsafe {
        // The I/O manager shares read and write for the target directory.
        let (status, _) =
            create(v, &mut target, TARGET_DIR_ACCESS, 1, 0, 3, nt::SL_OPEN_TARGET_DIRECTORY, ATTRIBUTE_NORMAL);
        if !nt::nt_success(status) {
            return (status as u32, 0);
        }
        let r = set_info(v, fo, class, info, target.ptr(), u8::from(replace), 0);
        close(v, &mut target);
        r
    }
}
