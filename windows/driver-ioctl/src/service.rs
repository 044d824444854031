//! The driver's service: its name and its `Parameters` key's values with
//! their defaults. One table for the three that must agree: the driver
//! reads it (`driver/src/params.rs`), the setup program writes its defaults
//! (`installer/setup-logic`), and a test holds `installer/lklfs.inf` to it.

/// The service's name (`HKLM\System\CurrentControlSet\Services\lklfs`).
pub const NAME: &str = "lklfs";
/// `MemoryMiB` (REG_DWORD): the Linux memory of a mount.
pub const MEMORY_MIB: &str = "MemoryMiB";
/// `MemoryMiB`'s default.
pub const DEFAULT_MEMORY_MIB: u32 = 128;
/// `KernelCommandLine` (REG_SZ): extra kernel parameters; none by default,
/// and the setup program writes no value for it.
pub const KERNEL_COMMAND_LINE: &str = "KernelCommandLine";
/// `FileSystems` (REG_SZ): the file systems claimed on offered volumes.
pub const FILE_SYSTEMS: &str = "FileSystems";
/// `FileSystems`'s default: all five.
pub const DEFAULT_FILE_SYSTEMS: &str = "ext2,ext3,ext4,btrfs,xfs";
/// `WriteOfferedVolumes` (REG_DWORD 0/1).
pub const WRITE_OFFERED: &str = "WriteOfferedVolumes";
/// `WriteOfferedVolumes`'s default: offered volumes are read-only.
pub const DEFAULT_WRITE_OFFERED: u32 = 0;
