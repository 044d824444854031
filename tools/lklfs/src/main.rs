//! `lklfs`: read and write ext2/3/4, vfat, btrfs and xfs images with the real Linux 6.1
//! file-system code, run as a library in this process.
//!
//! Every command boots the embedded kernel, attaches the image as a disk,
//! mounts it, does its work, unmounts and halts. Linux code runs only on a
//! thread with the library's stack size, never on the main thread.

// Unsafe only in `windriver`, for the one Win32 call std lacks.
#![deny(unsafe_code)]

mod bench;
mod commands;
mod copy;
mod demo;
mod error;
mod fs_btrfs_xfs;
mod superblock;
mod volume;
#[cfg(windows)]
mod windisks;
#[cfg(windows)]
mod windriver;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::{EXIT_CODES_HELP, Result};
use crate::volume::{Options, Session, Volume};

/// Kernel memory by default. The kernel's page cache lives in it, so more
/// memory means fewer re-reads from the image; the host only commits the
/// pages Linux touches.
const DEFAULT_MEM_MIB: u64 = 256;

#[derive(Parser, Debug)]
#[command(
    name = "lklfs",
    version,
    about = "Read and write ext2/3/4, vfat, btrfs and xfs images with the Linux kernel's own file-system code, run as a library",
    after_help = EXIT_CODES_HELP,
    after_long_help = EXIT_CODES_HELP,
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Partition number (1-based) of a partitioned image.
    #[arg(long, global = true, value_name = "N")]
    part: Option<u32>,
    /// Never write the image; a dirty journal is replayed in memory only.
    #[arg(long, global = true)]
    ro: bool,
    /// File-system type to mount as (ext4 serves ext2 and ext3; vfat,
    /// btrfs, xfs);
    /// detected from the superblock when absent.
    #[arg(long = "type", global = true, value_name = "T")]
    fstype: Option<String>,
    /// Kernel memory in MiB (holds the kernel's page cache).
    #[arg(long = "mem", global = true, value_name = "MIB", default_value_t = DEFAULT_MEM_MIB)]
    mem_mib: u64,
    /// No summary line after put/get.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List a directory (or show one file) like `ls -l`.
    Ls {
        /// Image file or block device.
        image: PathBuf,
        /// Path inside the image.
        #[arg(default_value = "/")]
        path: String,
    },
    /// Write a file's contents to standard output.
    Cat {
        /// Image file or block device.
        image: PathBuf,
        /// Path inside the image.
        path: String,
    },
    /// Copy a file or directory tree out of the image.
    Get {
        /// Image file or block device.
        image: PathBuf,
        /// Path inside the image.
        src: String,
        /// Host path (copied into it if it is a directory).
        local: PathBuf,
    },
    /// Copy a host file or directory tree into the image.
    Put {
        /// Image file or block device.
        image: PathBuf,
        /// Host path.
        local: PathBuf,
        /// Path inside the image (copied into it if it is a directory).
        dest: String,
    },
    /// Create directories.
    Mkdir {
        /// Create missing parents; no error if it exists.
        #[arg(short = 'p', long)]
        parents: bool,
        /// Image file or block device.
        image: PathBuf,
        /// Paths inside the image.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Remove files (and directory trees with -r).
    Rm {
        /// Remove directories and their contents.
        #[arg(short = 'r', short_alias = 'R', long)]
        recursive: bool,
        /// Image file or block device.
        image: PathBuf,
        /// Paths inside the image.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Rename or move (into DST if it is a directory).
    Mv {
        /// Image file or block device.
        image: PathBuf,
        /// Path inside the image.
        src: String,
        /// Path inside the image.
        dst: String,
    },
    /// Show a file's metadata.
    Stat {
        /// Image file or block device.
        image: PathBuf,
        /// Path inside the image.
        path: String,
    },
    /// Show size, use and free space of the file system.
    Df {
        /// Image file or block device.
        image: PathBuf,
    },
    /// Show the file-system type, features, label, UUID, size and state
    /// from the superblock (without mounting).
    Info {
        /// Image file or block device.
        image: PathBuf,
    },
    /// The built-in demonstration: make a small ext4 image with mkfs.ext4
    /// and show ls/put/get on it.
    Demo,
    /// Disk benchmark: the library, lklfs put/get, the
    /// host kernel's loop mount and fuse2fs on an ext4, btrfs or xfs image.
    Bench(bench::Args),
    /// One measured step of the benchmark in a fresh process.
    #[command(hide = true)]
    BenchStep(bench::StepArgs),
    /// Windows: serve the image as a drive through the lklfs driver (a
    /// removable disk; the letter asked for, else the next free one).
    #[cfg(windows)]
    Mount {
        /// Image file.
        image: PathBuf,
        /// Drive letter, like L:.
        letter: Option<String>,
    },
    /// Windows: remove an image's drive and disk (its volume unused).
    #[cfg(windows)]
    Unmount {
        /// Drive letter (L:) or disk number.
        what: String,
    },
    /// Windows: list the images the lklfs driver serves; with --all first
    /// the disks (every \\.\PhysicalDriveN, or those given) and the file
    /// system of each partition, which `mount DISK --part N` serves.
    #[cfg(windows)]
    List {
        /// Also the disks and their partitions.
        #[arg(long)]
        all: bool,
        /// Disks or images to look at instead of every physical drive
        /// (with --all).
        disks: Vec<PathBuf>,
    },
}

fn run(cli: Cli) -> Result<()> {
    let opts = Options { part: cli.part, ro: cli.ro, fstype: cli.fstype.clone(), mem_mib: cli.mem_mib };
    let quiet = cli.quiet;
    match cli.cmd {
        Cmd::Ls { image, path } => Volume::with(&image, &opts, false, |v| commands::ls(v, &path)),
        Cmd::Cat { image, path } => Volume::with(&image, &opts, false, |v| commands::cat(v, &path)),
        Cmd::Get { image, src, local } => Volume::with(&image, &opts, false, |v| copy::get(v, &src, &local, quiet)),
        Cmd::Put { image, local, dest } => Volume::with(&image, &opts, true, |v| copy::put(v, &local, &dest, quiet)),
        Cmd::Mkdir { parents, image, paths } => {
            Volume::with(&image, &opts, true, |v| commands::mkdir(v, &paths, parents))
        }
        Cmd::Rm { recursive, image, paths } => {
            Volume::with(&image, &opts, true, |v| commands::rm(v, &paths, recursive))
        }
        Cmd::Mv { image, src, dst } => Volume::with(&image, &opts, true, |v| commands::mv(v, &src, &dst)),
        Cmd::Stat { image, path } => Volume::with(&image, &opts, false, |v| commands::stat(v, &path)),
        Cmd::Df { image } => Volume::with(&image, &opts, false, commands::df),
        Cmd::Info { image } => {
            let s = Session::open(&image, &opts, false)?;
            let r = commands::info(&s);
            let c = s.close();
            r.and(c)
        }
        Cmd::Demo => demo::run(),
        Cmd::Bench(a) => bench::run(&a),
        Cmd::BenchStep(a) => bench::step(&a, &opts),
        #[cfg(windows)]
        Cmd::Mount { image, letter } => {
            windriver::mount(&image, letter.as_deref(), opts.ro, opts.fstype.as_deref(), opts.part)
        }
        #[cfg(windows)]
        Cmd::Unmount { what } => windriver::unmount(&what),
        #[cfg(windows)]
        Cmd::List { all, disks } => windriver::list(all, &disks),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Linux may only be called from threads with the library's stack size.
    let worker =
        std::thread::Builder::new().name("lklfs".into()).stack_size(lkl_abi::THREAD_STACK_SIZE).spawn(move || run(cli));
    let result = match worker {
        Ok(t) => t.join(),
        Err(e) => {
            eprintln!("lklfs: cannot start the worker thread: {e}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("lklfs: {e}");
            ExitCode::from(e.kind.exit_code())
        }
        Err(_) => {
            eprintln!("lklfs: internal error (the worker panicked)");
            ExitCode::FAILURE
        }
    }
}
