//! The `suite DIR TEMPLATE LABEL UUID` scenario: fs-glue's semantic suite
//! (the `nt-suite` crate, also run against fs-glue directly on Linux) as
//! IRPs. Each volume a case asks for is a fresh copy of the ext4 image
//! TEMPLATE (made by the shell suite with LABEL and UUID), DIR\suite-N.img,
//! mounted through the driver's harness with the case's mount options; every
//! NT call becomes the file IOCTL's request, which the harness turns into the
//! IRPs a Windows program's call would make, and Linux's view of the tree
//! comes from the same kernel inside the driver (`Op::Linux`). The suite
//! then holds each image against e2fsck.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use driver_ioctl as proto;
use fs_glue::nt::*;
use fs_glue::{CreateParams, CreateResult, Handle, MountOptions, NtStatus, QueryDirParams, QueryEaParams, Written};
use lkl_abi::{Errno, sys};
use nt_suite::{Env, Vol, w};
use proto::fsops::{self, FsRequest, Op as Req};
use proto::mountopts::{self, MountSettings};
use proto::suiteops::{self, LinuxOp, Stat, StatFs};

use crate::fsclient::{call, unmount, want, wide_bytes};
use crate::status::STATUS_SUCCESS;
use crate::win::{Handle as Device, Report};

/// What went wrong outside a case's own checks (an unmount at the end of a
/// volume's life), for the case's result.
type Problems = Rc<RefCell<Vec<String>>>;

/// A volume mounted through the driver.
pub(crate) struct IrpVol {
    dev: Device,
    image: String,
    options: MountOptions,
    /// Handles this volume's user opened and has not closed (closed at the
    /// end so the volume can be unmounted).
    open: BTreeSet<u32>,
    problems: Problems,
}

/// (status, information, payload) of a request; an IOCTL failure is the
/// harness's, not an answer of the file system, and fails the case.
fn send(dev: Device, r: &FsRequest<'_>) -> (u32, u64, Vec<u8>) {
    match call(dev, r) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    }
}

fn on(op: Req, h: Handle) -> FsRequest<'static> {
    let mut r = FsRequest::new(op);
    r.handle = h.0;
    r
}

fn status(s: u32) -> Result<(), NtStatus> {
    if s == STATUS_SUCCESS { Ok(()) } else { Err(NtStatus(s)) }
}

/// A query's answer as fs-glue gives it: data (whole or cut) or a failure.
fn written(s: u32, information: u64, payload: &[u8], buf: &mut [u8]) -> Result<Written, NtStatus> {
    if s != STATUS_SUCCESS && s != NtStatus::BUFFER_OVERFLOW.0 {
        return Err(NtStatus(s));
    }
    let n = (information as usize).min(buf.len()).min(payload.len());
    buf[..n].copy_from_slice(&payload[..n]);
    Ok(Written { status: NtStatus(s), len: information as usize })
}

/// An answer whose warnings (STATUS_NO_MORE_EAS, STATUS_INVALID_EA_NAME,
/// STATUS_BUFFER_OVERFLOW) still deliver Information, as the I/O manager
/// delivers it; errors deliver nothing.
fn warned(s: u32, information: u64, payload: &[u8], buf: &mut [u8]) -> Result<Written, NtStatus> {
    if NtStatus(s).is_error() {
        return Err(NtStatus(s));
    }
    let n = (information as usize).min(buf.len()).min(payload.len());
    buf[..n].copy_from_slice(&payload[..n]);
    Ok(Written { status: NtStatus(s), len: information as usize })
}

impl IrpVol {
    /// `Op::Linux`: `op` with its argument (a chmod's mode) on `path`; the
    /// information and payload, or Linux's errno.
    fn linux(&self, op: LinuxOp, arg: u32, path: &[u8], out_len: usize) -> Result<(u64, Vec<u8>), Errno> {
        let mut r = FsRequest::new(Req::Linux);
        r.args = [op as u32, arg, 0];
        r.data = path;
        r.out_len = out_len as u32;
        match send(self.dev, &r) {
            (STATUS_SUCCESS, n, p) => Ok((n, p)),
            (suiteops::LINUX_ERRNO, e, _) => Err(Errno(e as i32)),
            (s, _, _) => panic!("Linux {op:?} {:?}: status {s:#x}", String::from_utf8_lossy(path)),
        }
    }
}

impl Vol for IrpVol {
    fn create(&mut self, p: &CreateParams<'_>) -> CreateResult {
        // IoCreateFile's own checks, made before any IRP (the file IOCTL
        // carries only what passes them).
        if p.disposition > FILE_MAXIMUM_DISPOSITION || p.share_access & !7 != 0 {
            return CreateResult { status: NtStatus::INVALID_PARAMETER, information: 0, handle: None };
        }
        let name: Vec<u8> = p.name.iter().flat_map(|u| u.to_le_bytes()).collect();
        let mut r = FsRequest::new(Req::Create);
        r.name = &name;
        r.out_len = 4;
        r.offset = fsops::CREATE_SHARE_GIVEN
            | u64::from(p.share_access)
            | fsops::CREATE_ATTRIBUTES_GIVEN
            | (u64::from(p.file_attributes & 0xFFFF) << fsops::CREATE_ATTRIBUTES_SHIFT);
        if let Some(rel) = p.related {
            r.offset |= fsops::CREATE_RELATED;
            r.handle = rel.0;
        }
        r.args = [p.disposition, p.options, p.desired_access];
        r.data = p.ea;
        let (s, information, payload) = send(self.dev, &r);
        let handle = (s == STATUS_SUCCESS)
            .then(|| payload.get(..4).and_then(|b| b.try_into().ok()).map(u32::from_le_bytes))
            .flatten();
        if let Some(h) = handle {
            self.open.insert(h);
        }
        CreateResult { status: NtStatus(s), information, handle: handle.map(Handle) }
    }

    fn close(&mut self, h: Handle) -> Result<(), NtStatus> {
        let s = send(self.dev, &on(Req::Close, h)).0;
        if s == STATUS_SUCCESS {
            self.open.remove(&h.0);
        }
        status(s)
    }

    fn read(&mut self, h: Handle, offset: Option<u64>, buf: &mut [u8]) -> Result<usize, NtStatus> {
        let mut r = on(Req::Read, h);
        r.offset = offset.unwrap_or(-2i64 as u64);
        r.out_len = buf.len() as u32;
        let (s, n, p) = send(self.dev, &r);
        status(s)?;
        let n = (n as usize).min(buf.len());
        buf[..n].copy_from_slice(&p[..n]);
        Ok(n)
    }

    fn write(&mut self, h: Handle, offset: Option<u64>, data: &[u8]) -> Result<usize, NtStatus> {
        let mut r = on(Req::Write, h);
        r.offset = offset.unwrap_or(-2i64 as u64);
        r.data = data;
        let (s, n, _) = send(self.dev, &r);
        status(s).map(|()| n as usize)
    }

    fn flush(&mut self, h: Handle) -> Result<(), NtStatus> {
        status(send(self.dev, &on(Req::Flush, h)).0)
    }

    fn query_information(&mut self, h: Handle, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let mut r = on(Req::QueryInformation, h);
        r.args[0] = class;
        r.out_len = buf.len() as u32;
        let (s, n, p) = send(self.dev, &r);
        written(s, n, &p, buf)
    }

    fn set_information(&mut self, h: Handle, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
        let mut r = on(Req::SetInformation, h);
        r.args[0] = class;
        r.data = buf;
        status(send(self.dev, &r).0)
    }

    fn query_directory(&mut self, h: Handle, p: &QueryDirParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let pattern: Vec<u8> = p.pattern.unwrap_or(&[]).iter().flat_map(|u| u.to_le_bytes()).collect();
        let mut r = on(Req::QueryDirectory, h);
        r.name = &pattern;
        r.out_len = buf.len() as u32;
        r.args[0] = p.class;
        r.args[1] = u32::from(p.restart) | u32::from(p.single) << 1;
        if let Some(i) = p.index {
            r.args[1] |= 4;
            r.args[2] = i;
        }
        let (s, n, payload) = send(self.dev, &r);
        written(s, n, &payload, buf)
    }

    fn query_volume_information(&mut self, class: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let mut r = FsRequest::new(Req::QueryVolumeInformation);
        r.args[0] = class;
        r.out_len = buf.len() as u32;
        let (s, n, p) = send(self.dev, &r);
        written(s, n, &p, buf)
    }

    fn set_volume_information(&mut self, class: u32, buf: &[u8]) -> Result<(), NtStatus> {
        let mut r = FsRequest::new(Req::SetVolumeInformation);
        r.args[0] = class;
        r.data = buf;
        status(send(self.dev, &r).0)
    }

    fn query_ea(&mut self, h: Handle, p: &QueryEaParams<'_>, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let mut r = on(Req::QueryEa, h);
        r.args[0] = u32::from(p.restart) | u32::from(p.single) << 1 | u32::from(p.index.is_some()) << 2;
        r.args[1] = p.index.unwrap_or(0);
        r.data = p.list.unwrap_or(&[]);
        r.out_len = buf.len() as u32;
        let (s, n, payload) = send(self.dev, &r);
        warned(s, n, &payload, buf)
    }

    fn set_ea(&mut self, h: Handle, buf: &[u8]) -> Result<Written, NtStatus> {
        let mut r = on(Req::SetEa, h);
        r.data = buf;
        let (s, n, payload) = send(self.dev, &r);
        warned(s, n, &payload, &mut [])
    }

    fn delete_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus> {
        let mut r = on(Req::Fsctl, h);
        r.args[0] = nt::FSCTL_DELETE_REPARSE_POINT;
        r.data = data;
        status(send(self.dev, &r).0)
    }

    fn query_security(&mut self, h: Handle, info: u32, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let mut r = on(Req::QuerySecurity, h);
        r.args[0] = info;
        r.out_len = buf.len() as u32;
        let (s, n, payload) = send(self.dev, &r);
        // With STATUS_BUFFER_OVERFLOW, Information is the length needed and
        // nothing is copied.
        let copied = if s == STATUS_SUCCESS { n } else { 0 };
        warned(s, copied, &payload, buf).map(|w| Written { len: n as usize, ..w })
    }

    fn set_security(&mut self, h: Handle, info: u32, sd: &[u8]) -> Result<(), NtStatus> {
        let mut r = on(Req::SetSecurity, h);
        r.args[0] = info;
        r.data = sd;
        status(send(self.dev, &r).0)
    }

    fn query_security_at_a_bad_address(&mut self, h: Handle) -> Option<NtStatus> {
        let mut r = on(Req::QuerySecurity, h);
        r.args = [7, 1, 0];
        r.out_len = 256;
        Some(NtStatus(send(self.dev, &r).0))
    }

    fn sddl_of(&self, sd: &[u8], info: u32) -> Option<String> {
        Some(crate::win::sd_to_sddl(sd, info).unwrap_or_else(|e| panic!("{e}")))
    }

    fn descriptor_of(&self, sddl: &str) -> Option<Vec<u8>> {
        Some(crate::win::sddl_to_sd(sddl).unwrap_or_else(|e| panic!("{e}")))
    }

    fn get_reparse_point(&mut self, h: Handle, buf: &mut [u8]) -> Result<Written, NtStatus> {
        let mut r = on(Req::Fsctl, h);
        r.args[0] = nt::FSCTL_GET_REPARSE_POINT;
        r.out_len = buf.len() as u32;
        let (s, n, p) = send(self.dev, &r);
        written(s, n, &p, buf)
    }

    fn set_reparse_point(&mut self, h: Handle, data: &[u8]) -> Result<(), NtStatus> {
        let mut r = on(Req::Fsctl, h);
        r.args[0] = nt::FSCTL_SET_REPARSE_POINT;
        r.data = data;
        status(send(self.dev, &r).0)
    }

    fn open_handles(&mut self) -> usize {
        self.linux(LinuxOp::OpenHandles, 0, &[], 0).map_or(usize::MAX, |(n, _)| n as usize)
    }

    fn through_io_manager(&self) -> bool {
        true
    }

    fn options(&self) -> &MountOptions {
        &self.options
    }

    fn lstat(&mut self, path: &[u8]) -> Option<sys::Statx> {
        let (_, p) = self.linux(LinuxOp::Lstat, 0, path, suiteops::STAT_SIZE).ok()?;
        let st = Stat::decode(&p).expect("a stat record");
        let ts = |(tv_sec, tv_nsec): (i64, u32)| sys::StatxTimestamp { tv_sec, tv_nsec, __reserved: 0 };
        Some(sys::Statx {
            stx_mask: st.mask,
            stx_nlink: st.nlink,
            stx_uid: st.uid,
            stx_gid: st.gid,
            stx_mode: st.mode as u16,
            stx_ino: st.ino,
            stx_size: st.size,
            stx_blocks: st.blocks,
            stx_atime: ts(st.times[0]),
            stx_btime: ts(st.times[1]),
            stx_ctime: ts(st.times[2]),
            stx_mtime: ts(st.times[3]),
            ..Default::default()
        })
    }

    fn chmod(&mut self, path: &[u8], mode: u32) -> Result<(), Errno> {
        self.linux(LinuxOp::Chmod, mode, path, 0).map(|_| ())
    }

    fn symlink(&mut self, target: &[u8], path: &[u8]) -> Result<(), Errno> {
        let data = [path, &[0], target].concat();
        self.linux(LinuxOp::Symlink, 0, &data, 0).map(|_| ())
    }

    fn readlink(&mut self, path: &[u8]) -> Result<Vec<u8>, Errno> {
        let (n, mut p) = self.linux(LinuxOp::Readlink, 0, path, 4096)?;
        p.truncate(n as usize);
        Ok(p)
    }

    fn get_xattr(&mut self, path: &[u8], name: &[u8]) -> Result<Vec<u8>, Errno> {
        let (n, mut p) = self.linux(LinuxOp::GetXattr, 0, &[path, &[0], name].concat(), 65536)?;
        p.truncate(n as usize);
        Ok(p)
    }

    fn set_xattr(&mut self, path: &[u8], name: &[u8], value: &[u8]) -> Result<(), Errno> {
        self.linux(LinuxOp::SetXattr, 0, &[path, &[0], name, &[0], value].concat(), 0).map(|_| ())
    }

    fn list_xattr(&mut self, path: &[u8]) -> Result<Vec<Vec<u8>>, Errno> {
        let (n, p) = self.linux(LinuxOp::ListXattr, 0, path, 65536)?;
        Ok(p[..n as usize].split(|&c| c == 0).filter(|s| !s.is_empty()).map(<[u8]>::to_vec).collect())
    }

    fn fs_label(&mut self) -> Result<Vec<u8>, Errno> {
        let (n, mut p) = self.linux(LinuxOp::Label, 0, &[], sys::FSLABEL_MAX)?;
        p.truncate(n as usize);
        Ok(p)
    }

    fn statfs(&mut self) -> Result<sys::Statfs, Errno> {
        let (_, p) = self.linux(LinuxOp::Statfs, 0, &[], suiteops::STATFS_SIZE)?;
        let s = StatFs::decode(&p).expect("a statfs record");
        Ok(sys::Statfs {
            f_bsize: s.bsize,
            f_blocks: s.blocks,
            f_bfree: s.bfree,
            f_bavail: s.bavail,
            ..Default::default()
        })
    }

    fn make_linux_file(&mut self, path: &[u8]) -> Result<(), Errno> {
        self.linux(LinuxOp::MakeFile, 0, path, 0).map(|_| ())
    }
}

impl Drop for IrpVol {
    fn drop(&mut self) {
        // What the case left open, then the unmount (refused with files
        // open); a failure here is the case's.
        for h in std::mem::take(&mut self.open) {
            let _ = call(self.dev, &on(Req::Close, Handle(h)));
        }
        if let Err(e) = unmount(self.dev).and_then(|r| want(r, STATUS_SUCCESS, "unmount").map(|_| ())) {
            self.problems.borrow_mut().push(format!("{}: {e}", self.image));
        }
    }
}

/// Fresh copies of the template image, mounted through the driver.
pub(crate) struct IrpEnv {
    dev: Device,
    dir: String,
    template: String,
    label: String,
    uuid: [u8; 16],
    made: u32,
    problems: Problems,
}

impl IrpEnv {
    fn mount_image(&mut self, image: &str, opts: MountOptions) -> IrpVol {
        let mut settings = MountSettings {
            umask: opts.umask,
            link_root: opts.link_root.encode_utf16().collect(),
            ..Default::default()
        };
        for (on, flag) in [
            (opts.case_insensitive, mountopts::OPT_CASE_INSENSITIVE),
            (opts.hide_dot_files, mountopts::OPT_HIDE_DOT_FILES),
        ] {
            if on {
                settings.flags |= flag;
            }
        }
        if let Some(uid) = opts.uid {
            settings.flags |= mountopts::OPT_UID;
            settings.uid = uid;
        }
        if let Some(gid) = opts.gid {
            settings.flags |= mountopts::OPT_GID;
            settings.gid = gid;
        }
        let data = settings.encode();
        let name = wide_bytes(&format!("\\??\\{image}"));
        let mut r = FsRequest::new(Req::Mount);
        r.name = &name;
        r.data = &data;
        r.args[0] = if opts.read_only { fsops::MOUNT_READ_ONLY } else { 0 };
        let (s, _, _) = send(self.dev, &r);
        assert_eq!(s, STATUS_SUCCESS, "mount {image}");
        // What the volume is: the image's own identity, a 512-byte-sector
        // disk, and ext4.
        let options = MountOptions {
            label: self.label.clone(),
            uuid: self.uuid,
            sector_size: 512,
            fs_name: "ext4".into(),
            ..opts
        };
        IrpVol {
            dev: self.dev,
            image: image.to_string(),
            options,
            open: BTreeSet::new(),
            problems: self.problems.clone(),
        }
    }
}

impl Env for IrpEnv {
    type V = IrpVol;

    fn mount(&mut self, opts: MountOptions) -> IrpVol {
        self.made += 1;
        let image = format!("{}\\suite-{}.img", self.dir, self.made);
        std::fs::copy(&self.template, &image).unwrap_or_else(|e| panic!("copy {} to {image}: {e}", self.template));
        let mut v = self.mount_image(&image, opts);
        // A fresh tree is empty: mkfs's lost+found goes first, through IRPs.
        let lf = w("\\lost+found");
        let r = v.create(&CreateParams {
            related: None,
            name: &lf,
            desired_access: DELETE,
            file_attributes: 0,
            share_access: 0,
            disposition: FILE_OPEN,
            options: FILE_DIRECTORY_FILE | FILE_DELETE_ON_CLOSE,
            ea: &[],
        });
        assert_eq!(r.status, NtStatus::SUCCESS, "open lost+found for deletion");
        v.close(r.handle.expect("a handle")).expect("close lost+found");
        v
    }

    fn remount(&mut self, old: IrpVol, opts: MountOptions) -> IrpVol {
        let image = old.image.clone();
        drop(old);
        self.mount_image(&image, opts)
    }
}

/// `1234abcd-0506-...` as 16 bytes.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    let mut u = [0u8; 16];
    for (i, b) in u.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    (hex.len() == 32).then_some(u)
}

pub(crate) fn run(dev: Device, r: &mut Report, dir: &str, template: &str, label: &str, uuid: &str) {
    let Some(uuid) = parse_uuid(uuid) else {
        r.check("the suite's arguments", Err(format!("bad UUID {uuid:?}")));
        return;
    };
    let problems: Problems = Rc::default();
    let mut env = IrpEnv {
        dev,
        dir: dir.to_string(),
        template: template.to_string(),
        label: label.to_string(),
        uuid,
        made: 0,
        problems: problems.clone(),
    };
    // Cases report through panics, as under cargo test; the messages go
    // to the report instead of stderr.
    std::panic::set_hook(Box::new(|_| {}));
    for (name, case) in nt_suite::cases::<IrpEnv>() {
        let first = env.made + 1;
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut env)));
        let mut result = outcome.map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        });
        let left: Vec<String> = problems.borrow_mut().drain(..).collect();
        if result.is_ok() && !left.is_empty() {
            result = Err(left.join("; "));
        }
        println!("images: {name} {first}..={}", env.made);
        r.check(&format!("semantic suite as IRPs: {name}"), result);
    }
    let _ = std::panic::take_hook();
}
