//! The operations run through fs-glue.

use fs_glue::nt::*;
use fs_glue::{Handle, NtStatus, QueryDirParams, Vfs, Volume, layout};
use nt_model::{Op, Outcome, Subject};

/// A volume plus the slot table that names its handles like the model does.
pub struct GlueSubject<V: Vfs> {
    /// The volume under test.
    pub vol: Volume<V>,
    slots: Vec<Option<Handle>>,
    /// The last listing in full: sorted (name, end of file, attributes).
    /// The model cannot predict every attribute bit, but two kernels
    /// under the same glue must agree on them (see [`super::pair`]).
    pub last_listing: Vec<(String, u64, u32)>,
}

/// What a handle looks like from Windows: FileStandardInformation (end of
/// file, links, delete pending, directory) and the attributes of
/// FileBasicInformation, each as its bytes or the failure status.
/// Allocation sizes and times are left out: they depend on the block size
/// and the clock, not on the glue.
pub type HandleView = (Result<(u64, u32, u8, u8), u32>, Result<u32, u32>);

impl<V: Vfs> GlueSubject<V> {
    /// Wraps a fresh, empty volume.
    pub fn new(vol: Volume<V>) -> Self {
        GlueSubject { vol, slots: Vec::new(), last_listing: Vec::new() }
    }

    fn insert(&mut self, h: Handle) -> usize {
        if let Some(i) = self.slots.iter().position(|s| s.is_none()) {
            self.slots[i] = Some(h);
            return i;
        }
        self.slots.push(Some(h));
        self.slots.len() - 1
    }

    fn get(&self, slot: usize) -> Option<Handle> {
        self.slots.get(slot).copied().flatten()
    }

    /// The view of the handle in `slot`, if it is open.
    pub fn view(&mut self, slot: usize) -> Option<HandleView> {
        use layout::{basic, standard};
        let h = self.get(slot)?;
        let mut s = [0u8; standard::SIZE];
        let std = match self.vol.query_information(h, FILE_STANDARD_INFORMATION, &mut s) {
            Ok(_) => Ok((
                u64::from_le_bytes(s[standard::EOF..standard::EOF + 8].try_into().unwrap()),
                u32::from_le_bytes(s[standard::LINKS..standard::LINKS + 4].try_into().unwrap()),
                s[standard::DELETE_PENDING],
                s[standard::DIRECTORY],
            )),
            Err(e) => Err(e.0),
        };
        let mut b = [0u8; basic::SIZE];
        let attrs = match self.vol.query_information(h, FILE_BASIC_INFORMATION, &mut b) {
            Ok(_) => Ok(u32::from_le_bytes(b[basic::ATTR..basic::ATTR + 4].try_into().unwrap())),
            Err(e) => Err(e.0),
        };
        Some((std, attrs))
    }

    fn close_all_handles(&mut self) {
        for s in self.slots.iter_mut() {
            if let Some(h) = s.take() {
                let _ = self.vol.close(h);
            }
        }
    }

    fn create(&mut self, name: &str, access: u32, share: u32, disp: u32, opts: u32) -> fs_glue::CreateResult {
        let path = if name.starts_with('\\') { name.to_string() } else { format!("\\{name}") };
        nt_suite::create(&mut self.vol, &path, access, share, disp, opts)
    }

    fn apply_op(&mut self, op: &Op) -> Outcome {
        let status = |r: Result<(), NtStatus>| match r {
            Ok(()) => Outcome::Status(0, 0),
            Err(s) => Outcome::Status(s.0, 0),
        };
        match *op {
            Op::Create { name, access, share, disp, opts } => {
                let r = self.create(name, access, share, disp, opts);
                let slot = r.handle.map(|h| self.insert(h));
                Outcome::Created(r.status.0, r.information, slot)
            }
            Op::Write { h, off, len, fill } => {
                let Some(h) = self.get(h) else { return Outcome::Skipped };
                match self.vol.write(h, Some(off), &vec![fill; len]) {
                    Ok(n) => Outcome::Status(0, n),
                    Err(s) => Outcome::Status(s.0, 0),
                }
            }
            Op::Read { h, off, len } => {
                let Some(h) = self.get(h) else { return Outcome::Skipped };
                let mut b = vec![0u8; len];
                match self.vol.read(h, Some(off), &mut b) {
                    Ok(n) => Outcome::Data(b[..n].to_vec()),
                    Err(s) => Outcome::Status(s.0, 0),
                }
            }
            Op::SetEof { h, size } => {
                let Some(h) = self.get(h) else { return Outcome::Skipped };
                status(self.vol.set_information(h, FILE_END_OF_FILE_INFORMATION, &size.to_le_bytes()))
            }
            Op::Rename { h, target, replace } => {
                let Some(h) = self.get(h) else { return Outcome::Skipped };
                let t: Vec<u16> = target.encode_utf16().collect();
                let mut b = vec![0u8; layout::rename::NAME];
                b[layout::rename::REPLACE] = replace as u8;
                b[layout::rename::NAME_LEN..layout::rename::NAME_LEN + 4]
                    .copy_from_slice(&((t.len() * 2) as u32).to_le_bytes());
                b.extend(t.iter().flat_map(|u| u.to_le_bytes()));
                status(self.vol.set_information(h, FILE_RENAME_INFORMATION, &b))
            }
            Op::Dispose { h, delete } => {
                let Some(h) = self.get(h) else { return Outcome::Skipped };
                status(self.vol.set_information(h, FILE_DISPOSITION_INFORMATION, &[delete as u8]))
            }
            Op::Close { h: slot } => {
                let Some(h) = self.get(slot) else { return Outcome::Skipped };
                self.slots[slot] = None;
                status(self.vol.close(h))
            }
            Op::List { dir, pattern } => {
                self.last_listing.clear();
                let share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
                let r = self.create(dir, FILE_LIST_DIRECTORY, share, FILE_OPEN, FILE_DIRECTORY_FILE);
                let Some(h) = r.handle else { return Outcome::Listing(Err(r.status.0)) };
                let pat: Vec<u16> = pattern.encode_utf16().collect();
                let mut out = Vec::new();
                let mut buf = vec![0u8; 512];
                let mut first = true;
                let res = loop {
                    let p = QueryDirParams {
                        class: FILE_DIRECTORY_INFORMATION,
                        pattern: Some(&pat),
                        restart: false,
                        single: false,
                        index: None,
                    };
                    match self.vol.query_directory(h, &p, &mut buf) {
                        Ok(w) => {
                            let mut off = 0;
                            loop {
                                use layout::dir::*;
                                let u = |o: usize| u32::from_le_bytes(buf[o..o + 4].try_into().unwrap());
                                let nl = u(off + NAME_LEN) as usize;
                                let name: Vec<u16> = buf[off + NAME..off + NAME + nl]
                                    .chunks_exact(2)
                                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                                    .collect();
                                let size = u64::from_le_bytes(buf[off + EOF..off + EOF + 8].try_into().unwrap());
                                out.push((String::from_utf16_lossy(&name), size, u(off + ATTR)));
                                let next = u(off) as usize;
                                if next == 0 {
                                    break;
                                }
                                off += next;
                            }
                            let _ = w;
                        }
                        Err(NtStatus::NO_MORE_FILES) if !first => break Ok(()),
                        Err(s) => break Err(s.0),
                    }
                    first = false;
                };
                let _ = self.vol.close(h);
                out.sort();
                self.last_listing = out.clone();
                let short = out.into_iter().map(|(n, size, a)| (n, size, a & FILE_ATTRIBUTE_DIRECTORY != 0)).collect();
                Outcome::Listing(res.map(|()| short))
            }
        }
    }
}

impl<V: Vfs> Subject for GlueSubject<V> {
    fn apply(&mut self, op: &Op) -> Outcome {
        self.apply_op(op)
    }

    fn close_all(&mut self) {
        self.close_all_handles()
    }
}
