//! Linux error numbers as one type, shared by every layer.

use core::fmt;

/// A Linux error number (the positive value; syscalls return its negation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Errno(pub i32);

impl Errno {
    /// Linux `EPERM` (1).
    pub const EPERM: Errno = Errno(1);
    /// Linux `ENOENT` (2).
    pub const ENOENT: Errno = Errno(2);
    /// Linux `ESRCH` (3).
    pub const ESRCH: Errno = Errno(3);
    /// Linux `EINTR` (4).
    pub const EINTR: Errno = Errno(4);
    /// Linux `EIO` (5).
    pub const EIO: Errno = Errno(5);
    /// Linux `ENXIO` (6).
    pub const ENXIO: Errno = Errno(6);
    /// Linux `E2BIG` (7).
    pub const E2BIG: Errno = Errno(7);
    /// Linux `ENOEXEC` (8).
    pub const ENOEXEC: Errno = Errno(8);
    /// Linux `EBADF` (9).
    pub const EBADF: Errno = Errno(9);
    /// Linux `ECHILD` (10).
    pub const ECHILD: Errno = Errno(10);
    /// Linux `EAGAIN` (11).
    pub const EAGAIN: Errno = Errno(11);
    /// Linux `ENOMEM` (12).
    pub const ENOMEM: Errno = Errno(12);
    /// Linux `EACCES` (13).
    pub const EACCES: Errno = Errno(13);
    /// Linux `EFAULT` (14).
    pub const EFAULT: Errno = Errno(14);
    /// Linux `ENOTBLK` (15).
    pub const ENOTBLK: Errno = Errno(15);
    /// Linux `EBUSY` (16).
    pub const EBUSY: Errno = Errno(16);
    /// Linux `EEXIST` (17).
    pub const EEXIST: Errno = Errno(17);
    /// Linux `EXDEV` (18).
    pub const EXDEV: Errno = Errno(18);
    /// Linux `ENODEV` (19).
    pub const ENODEV: Errno = Errno(19);
    /// Linux `ENOTDIR` (20).
    pub const ENOTDIR: Errno = Errno(20);
    /// Linux `EISDIR` (21).
    pub const EISDIR: Errno = Errno(21);
    /// Linux `EINVAL` (22).
    pub const EINVAL: Errno = Errno(22);
    /// Linux `ENFILE` (23).
    pub const ENFILE: Errno = Errno(23);
    /// Linux `EMFILE` (24).
    pub const EMFILE: Errno = Errno(24);
    /// Linux `ENOTTY` (25).
    pub const ENOTTY: Errno = Errno(25);
    /// Linux `ETXTBSY` (26).
    pub const ETXTBSY: Errno = Errno(26);
    /// Linux `EFBIG` (27).
    pub const EFBIG: Errno = Errno(27);
    /// Linux `ENOSPC` (28).
    pub const ENOSPC: Errno = Errno(28);
    /// Linux `ESPIPE` (29).
    pub const ESPIPE: Errno = Errno(29);
    /// Linux `EROFS` (30).
    pub const EROFS: Errno = Errno(30);
    /// Linux `EMLINK` (31).
    pub const EMLINK: Errno = Errno(31);
    /// Linux `EPIPE` (32).
    pub const EPIPE: Errno = Errno(32);
    /// Linux `EDOM` (33).
    pub const EDOM: Errno = Errno(33);
    /// Linux `ERANGE` (34).
    pub const ERANGE: Errno = Errno(34);
    /// Linux `EDEADLK` (35).
    pub const EDEADLK: Errno = Errno(35);
    /// Linux `ENAMETOOLONG` (36).
    pub const ENAMETOOLONG: Errno = Errno(36);
    /// Linux `ENOLCK` (37).
    pub const ENOLCK: Errno = Errno(37);
    /// Linux `ENOSYS` (38).
    pub const ENOSYS: Errno = Errno(38);
    /// Linux `ENOTEMPTY` (39).
    pub const ENOTEMPTY: Errno = Errno(39);
    /// Linux `ELOOP` (40).
    pub const ELOOP: Errno = Errno(40);
    /// Linux `ENOMSG` (42).
    pub const ENOMSG: Errno = Errno(42);
    /// Linux `EIDRM` (43).
    pub const EIDRM: Errno = Errno(43);
    /// Linux `ECHRNG` (44).
    pub const ECHRNG: Errno = Errno(44);
    /// Linux `EL2NSYNC` (45).
    pub const EL2NSYNC: Errno = Errno(45);
    /// Linux `EL3HLT` (46).
    pub const EL3HLT: Errno = Errno(46);
    /// Linux `EL3RST` (47).
    pub const EL3RST: Errno = Errno(47);
    /// Linux `ELNRNG` (48).
    pub const ELNRNG: Errno = Errno(48);
    /// Linux `EUNATCH` (49).
    pub const EUNATCH: Errno = Errno(49);
    /// Linux `ENOCSI` (50).
    pub const ENOCSI: Errno = Errno(50);
    /// Linux `EL2HLT` (51).
    pub const EL2HLT: Errno = Errno(51);
    /// Linux `EBADE` (52).
    pub const EBADE: Errno = Errno(52);
    /// Linux `EBADR` (53).
    pub const EBADR: Errno = Errno(53);
    /// Linux `EXFULL` (54).
    pub const EXFULL: Errno = Errno(54);
    /// Linux `ENOANO` (55).
    pub const ENOANO: Errno = Errno(55);
    /// Linux `EBADRQC` (56).
    pub const EBADRQC: Errno = Errno(56);
    /// Linux `EBADSLT` (57).
    pub const EBADSLT: Errno = Errno(57);
    /// Linux `EBFONT` (59).
    pub const EBFONT: Errno = Errno(59);
    /// Linux `ENOSTR` (60).
    pub const ENOSTR: Errno = Errno(60);
    /// Linux `ENODATA` (61).
    pub const ENODATA: Errno = Errno(61);
    /// Linux `ETIME` (62).
    pub const ETIME: Errno = Errno(62);
    /// Linux `ENOSR` (63).
    pub const ENOSR: Errno = Errno(63);
    /// Linux `ENONET` (64).
    pub const ENONET: Errno = Errno(64);
    /// Linux `ENOPKG` (65).
    pub const ENOPKG: Errno = Errno(65);
    /// Linux `EREMOTE` (66).
    pub const EREMOTE: Errno = Errno(66);
    /// Linux `ENOLINK` (67).
    pub const ENOLINK: Errno = Errno(67);
    /// Linux `EADV` (68).
    pub const EADV: Errno = Errno(68);
    /// Linux `ESRMNT` (69).
    pub const ESRMNT: Errno = Errno(69);
    /// Linux `ECOMM` (70).
    pub const ECOMM: Errno = Errno(70);
    /// Linux `EPROTO` (71).
    pub const EPROTO: Errno = Errno(71);
    /// Linux `EMULTIHOP` (72).
    pub const EMULTIHOP: Errno = Errno(72);
    /// Linux `EDOTDOT` (73).
    pub const EDOTDOT: Errno = Errno(73);
    /// Linux `EBADMSG` (74).
    pub const EBADMSG: Errno = Errno(74);
    /// Linux `EOVERFLOW` (75).
    pub const EOVERFLOW: Errno = Errno(75);
    /// Linux `ENOTUNIQ` (76).
    pub const ENOTUNIQ: Errno = Errno(76);
    /// Linux `EBADFD` (77).
    pub const EBADFD: Errno = Errno(77);
    /// Linux `EREMCHG` (78).
    pub const EREMCHG: Errno = Errno(78);
    /// Linux `ELIBACC` (79).
    pub const ELIBACC: Errno = Errno(79);
    /// Linux `ELIBBAD` (80).
    pub const ELIBBAD: Errno = Errno(80);
    /// Linux `ELIBSCN` (81).
    pub const ELIBSCN: Errno = Errno(81);
    /// Linux `ELIBMAX` (82).
    pub const ELIBMAX: Errno = Errno(82);
    /// Linux `ELIBEXEC` (83).
    pub const ELIBEXEC: Errno = Errno(83);
    /// Linux `EILSEQ` (84).
    pub const EILSEQ: Errno = Errno(84);
    /// Linux `ERESTART` (85).
    pub const ERESTART: Errno = Errno(85);
    /// Linux `ESTRPIPE` (86).
    pub const ESTRPIPE: Errno = Errno(86);
    /// Linux `EUSERS` (87).
    pub const EUSERS: Errno = Errno(87);
    /// Linux `ENOTSOCK` (88).
    pub const ENOTSOCK: Errno = Errno(88);
    /// Linux `EDESTADDRREQ` (89).
    pub const EDESTADDRREQ: Errno = Errno(89);
    /// Linux `EMSGSIZE` (90).
    pub const EMSGSIZE: Errno = Errno(90);
    /// Linux `EPROTOTYPE` (91).
    pub const EPROTOTYPE: Errno = Errno(91);
    /// Linux `ENOPROTOOPT` (92).
    pub const ENOPROTOOPT: Errno = Errno(92);
    /// Linux `EPROTONOSUPPORT` (93).
    pub const EPROTONOSUPPORT: Errno = Errno(93);
    /// Linux `ESOCKTNOSUPPORT` (94).
    pub const ESOCKTNOSUPPORT: Errno = Errno(94);
    /// Linux `EOPNOTSUPP` (95).
    pub const EOPNOTSUPP: Errno = Errno(95);
    /// Linux `EPFNOSUPPORT` (96).
    pub const EPFNOSUPPORT: Errno = Errno(96);
    /// Linux `EAFNOSUPPORT` (97).
    pub const EAFNOSUPPORT: Errno = Errno(97);
    /// Linux `EADDRINUSE` (98).
    pub const EADDRINUSE: Errno = Errno(98);
    /// Linux `EADDRNOTAVAIL` (99).
    pub const EADDRNOTAVAIL: Errno = Errno(99);
    /// Linux `ENETDOWN` (100).
    pub const ENETDOWN: Errno = Errno(100);
    /// Linux `ENETUNREACH` (101).
    pub const ENETUNREACH: Errno = Errno(101);
    /// Linux `ENETRESET` (102).
    pub const ENETRESET: Errno = Errno(102);
    /// Linux `ECONNABORTED` (103).
    pub const ECONNABORTED: Errno = Errno(103);
    /// Linux `ECONNRESET` (104).
    pub const ECONNRESET: Errno = Errno(104);
    /// Linux `ENOBUFS` (105).
    pub const ENOBUFS: Errno = Errno(105);
    /// Linux `EISCONN` (106).
    pub const EISCONN: Errno = Errno(106);
    /// Linux `ENOTCONN` (107).
    pub const ENOTCONN: Errno = Errno(107);
    /// Linux `ESHUTDOWN` (108).
    pub const ESHUTDOWN: Errno = Errno(108);
    /// Linux `ETOOMANYREFS` (109).
    pub const ETOOMANYREFS: Errno = Errno(109);
    /// Linux `ETIMEDOUT` (110).
    pub const ETIMEDOUT: Errno = Errno(110);
    /// Linux `ECONNREFUSED` (111).
    pub const ECONNREFUSED: Errno = Errno(111);
    /// Linux `EHOSTDOWN` (112).
    pub const EHOSTDOWN: Errno = Errno(112);
    /// Linux `EHOSTUNREACH` (113).
    pub const EHOSTUNREACH: Errno = Errno(113);
    /// Linux `EALREADY` (114).
    pub const EALREADY: Errno = Errno(114);
    /// Linux `EINPROGRESS` (115).
    pub const EINPROGRESS: Errno = Errno(115);
    /// Linux `ESTALE` (116).
    pub const ESTALE: Errno = Errno(116);
    /// Linux `EUCLEAN` (117).
    pub const EUCLEAN: Errno = Errno(117);
    /// Linux `ENOTNAM` (118).
    pub const ENOTNAM: Errno = Errno(118);
    /// Linux `ENAVAIL` (119).
    pub const ENAVAIL: Errno = Errno(119);
    /// Linux `EISNAM` (120).
    pub const EISNAM: Errno = Errno(120);
    /// Linux `EREMOTEIO` (121).
    pub const EREMOTEIO: Errno = Errno(121);
    /// Linux `EDQUOT` (122).
    pub const EDQUOT: Errno = Errno(122);
    /// Linux `ENOMEDIUM` (123).
    pub const ENOMEDIUM: Errno = Errno(123);
    /// Linux `EMEDIUMTYPE` (124).
    pub const EMEDIUMTYPE: Errno = Errno(124);
    /// Linux `ECANCELED` (125).
    pub const ECANCELED: Errno = Errno(125);
    /// Linux `ENOKEY` (126).
    pub const ENOKEY: Errno = Errno(126);
    /// Linux `EKEYEXPIRED` (127).
    pub const EKEYEXPIRED: Errno = Errno(127);
    /// Linux `EKEYREVOKED` (128).
    pub const EKEYREVOKED: Errno = Errno(128);
    /// Linux `EKEYREJECTED` (129).
    pub const EKEYREJECTED: Errno = Errno(129);
    /// Linux `EOWNERDEAD` (130).
    pub const EOWNERDEAD: Errno = Errno(130);
    /// Linux `ENOTRECOVERABLE` (131).
    pub const ENOTRECOVERABLE: Errno = Errno(131);
    /// Linux `ERFKILL` (132).
    pub const ERFKILL: Errno = Errno(132);
    /// Linux `EHWPOISON` (133).
    pub const EHWPOISON: Errno = Errno(133);
    /// Linux `EWOULDBLOCK`, an alias of `EAGAIN`.
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// Linux `EDEADLOCK`, an alias of `EDEADLK`.
    pub const EDEADLOCK: Errno = Errno::EDEADLK;

    /// Every error number Linux defines for user space, in ascending order.
    pub const ALL: &'static [Errno] = &[
        Errno::EPERM,
        Errno::ENOENT,
        Errno::ESRCH,
        Errno::EINTR,
        Errno::EIO,
        Errno::ENXIO,
        Errno::E2BIG,
        Errno::ENOEXEC,
        Errno::EBADF,
        Errno::ECHILD,
        Errno::EAGAIN,
        Errno::ENOMEM,
        Errno::EACCES,
        Errno::EFAULT,
        Errno::ENOTBLK,
        Errno::EBUSY,
        Errno::EEXIST,
        Errno::EXDEV,
        Errno::ENODEV,
        Errno::ENOTDIR,
        Errno::EISDIR,
        Errno::EINVAL,
        Errno::ENFILE,
        Errno::EMFILE,
        Errno::ENOTTY,
        Errno::ETXTBSY,
        Errno::EFBIG,
        Errno::ENOSPC,
        Errno::ESPIPE,
        Errno::EROFS,
        Errno::EMLINK,
        Errno::EPIPE,
        Errno::EDOM,
        Errno::ERANGE,
        Errno::EDEADLK,
        Errno::ENAMETOOLONG,
        Errno::ENOLCK,
        Errno::ENOSYS,
        Errno::ENOTEMPTY,
        Errno::ELOOP,
        Errno::ENOMSG,
        Errno::EIDRM,
        Errno::ECHRNG,
        Errno::EL2NSYNC,
        Errno::EL3HLT,
        Errno::EL3RST,
        Errno::ELNRNG,
        Errno::EUNATCH,
        Errno::ENOCSI,
        Errno::EL2HLT,
        Errno::EBADE,
        Errno::EBADR,
        Errno::EXFULL,
        Errno::ENOANO,
        Errno::EBADRQC,
        Errno::EBADSLT,
        Errno::EBFONT,
        Errno::ENOSTR,
        Errno::ENODATA,
        Errno::ETIME,
        Errno::ENOSR,
        Errno::ENONET,
        Errno::ENOPKG,
        Errno::EREMOTE,
        Errno::ENOLINK,
        Errno::EADV,
        Errno::ESRMNT,
        Errno::ECOMM,
        Errno::EPROTO,
        Errno::EMULTIHOP,
        Errno::EDOTDOT,
        Errno::EBADMSG,
        Errno::EOVERFLOW,
        Errno::ENOTUNIQ,
        Errno::EBADFD,
        Errno::EREMCHG,
        Errno::ELIBACC,
        Errno::ELIBBAD,
        Errno::ELIBSCN,
        Errno::ELIBMAX,
        Errno::ELIBEXEC,
        Errno::EILSEQ,
        Errno::ERESTART,
        Errno::ESTRPIPE,
        Errno::EUSERS,
        Errno::ENOTSOCK,
        Errno::EDESTADDRREQ,
        Errno::EMSGSIZE,
        Errno::EPROTOTYPE,
        Errno::ENOPROTOOPT,
        Errno::EPROTONOSUPPORT,
        Errno::ESOCKTNOSUPPORT,
        Errno::EOPNOTSUPP,
        Errno::EPFNOSUPPORT,
        Errno::EAFNOSUPPORT,
        Errno::EADDRINUSE,
        Errno::EADDRNOTAVAIL,
        Errno::ENETDOWN,
        Errno::ENETUNREACH,
        Errno::ENETRESET,
        Errno::ECONNABORTED,
        Errno::ECONNRESET,
        Errno::ENOBUFS,
        Errno::EISCONN,
        Errno::ENOTCONN,
        Errno::ESHUTDOWN,
        Errno::ETOOMANYREFS,
        Errno::ETIMEDOUT,
        Errno::ECONNREFUSED,
        Errno::EHOSTDOWN,
        Errno::EHOSTUNREACH,
        Errno::EALREADY,
        Errno::EINPROGRESS,
        Errno::ESTALE,
        Errno::EUCLEAN,
        Errno::ENOTNAM,
        Errno::ENAVAIL,
        Errno::EISNAM,
        Errno::EREMOTEIO,
        Errno::EDQUOT,
        Errno::ENOMEDIUM,
        Errno::EMEDIUMTYPE,
        Errno::ECANCELED,
        Errno::ENOKEY,
        Errno::EKEYEXPIRED,
        Errno::EKEYREVOKED,
        Errno::EKEYREJECTED,
        Errno::EOWNERDEAD,
        Errno::ENOTRECOVERABLE,
        Errno::ERFKILL,
        Errno::EHWPOISON,
    ];

    /// The symbolic name (`"ENOENT"`), or `None` for a value Linux does not define.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "EPERM",
            2 => "ENOENT",
            3 => "ESRCH",
            4 => "EINTR",
            5 => "EIO",
            6 => "ENXIO",
            7 => "E2BIG",
            8 => "ENOEXEC",
            9 => "EBADF",
            10 => "ECHILD",
            11 => "EAGAIN",
            12 => "ENOMEM",
            13 => "EACCES",
            14 => "EFAULT",
            15 => "ENOTBLK",
            16 => "EBUSY",
            17 => "EEXIST",
            18 => "EXDEV",
            19 => "ENODEV",
            20 => "ENOTDIR",
            21 => "EISDIR",
            22 => "EINVAL",
            23 => "ENFILE",
            24 => "EMFILE",
            25 => "ENOTTY",
            26 => "ETXTBSY",
            27 => "EFBIG",
            28 => "ENOSPC",
            29 => "ESPIPE",
            30 => "EROFS",
            31 => "EMLINK",
            32 => "EPIPE",
            33 => "EDOM",
            34 => "ERANGE",
            35 => "EDEADLK",
            36 => "ENAMETOOLONG",
            37 => "ENOLCK",
            38 => "ENOSYS",
            39 => "ENOTEMPTY",
            40 => "ELOOP",
            42 => "ENOMSG",
            43 => "EIDRM",
            44 => "ECHRNG",
            45 => "EL2NSYNC",
            46 => "EL3HLT",
            47 => "EL3RST",
            48 => "ELNRNG",
            49 => "EUNATCH",
            50 => "ENOCSI",
            51 => "EL2HLT",
            52 => "EBADE",
            53 => "EBADR",
            54 => "EXFULL",
            55 => "ENOANO",
            56 => "EBADRQC",
            57 => "EBADSLT",
            59 => "EBFONT",
            60 => "ENOSTR",
            61 => "ENODATA",
            62 => "ETIME",
            63 => "ENOSR",
            64 => "ENONET",
            65 => "ENOPKG",
            66 => "EREMOTE",
            67 => "ENOLINK",
            68 => "EADV",
            69 => "ESRMNT",
            70 => "ECOMM",
            71 => "EPROTO",
            72 => "EMULTIHOP",
            73 => "EDOTDOT",
            74 => "EBADMSG",
            75 => "EOVERFLOW",
            76 => "ENOTUNIQ",
            77 => "EBADFD",
            78 => "EREMCHG",
            79 => "ELIBACC",
            80 => "ELIBBAD",
            81 => "ELIBSCN",
            82 => "ELIBMAX",
            83 => "ELIBEXEC",
            84 => "EILSEQ",
            85 => "ERESTART",
            86 => "ESTRPIPE",
            87 => "EUSERS",
            88 => "ENOTSOCK",
            89 => "EDESTADDRREQ",
            90 => "EMSGSIZE",
            91 => "EPROTOTYPE",
            92 => "ENOPROTOOPT",
            93 => "EPROTONOSUPPORT",
            94 => "ESOCKTNOSUPPORT",
            95 => "EOPNOTSUPP",
            96 => "EPFNOSUPPORT",
            97 => "EAFNOSUPPORT",
            98 => "EADDRINUSE",
            99 => "EADDRNOTAVAIL",
            100 => "ENETDOWN",
            101 => "ENETUNREACH",
            102 => "ENETRESET",
            103 => "ECONNABORTED",
            104 => "ECONNRESET",
            105 => "ENOBUFS",
            106 => "EISCONN",
            107 => "ENOTCONN",
            108 => "ESHUTDOWN",
            109 => "ETOOMANYREFS",
            110 => "ETIMEDOUT",
            111 => "ECONNREFUSED",
            112 => "EHOSTDOWN",
            113 => "EHOSTUNREACH",
            114 => "EALREADY",
            115 => "EINPROGRESS",
            116 => "ESTALE",
            117 => "EUCLEAN",
            118 => "ENOTNAM",
            119 => "ENAVAIL",
            120 => "EISNAM",
            121 => "EREMOTEIO",
            122 => "EDQUOT",
            123 => "ENOMEDIUM",
            124 => "EMEDIUMTYPE",
            125 => "ECANCELED",
            126 => "ENOKEY",
            127 => "EKEYEXPIRED",
            128 => "EKEYREVOKED",
            129 => "EKEYREJECTED",
            130 => "EOWNERDEAD",
            131 => "ENOTRECOVERABLE",
            132 => "ERFKILL",
            133 => "EHWPOISON",
            _ => return None,
        })
    }

    /// Splits a raw syscall return value: negative values in the errno range
    /// are errors, everything else is a result.
    pub const fn from_ret(ret: i64) -> Result<i64, Errno> {
        if ret < 0 && ret >= -4095 { Err(Errno(-ret as i32)) } else { Ok(ret) }
    }

    /// The negative value a syscall returns for this error.
    pub const fn to_ret(self) -> i64 {
        -(self.0 as i64)
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n}"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{n} ({})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}

impl core::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut prev = 0;
        for e in Errno::ALL {
            assert!(e.0 > prev, "ascending and unique");
            prev = e.0;
            assert!(e.name().is_some());
        }
        assert_eq!(Errno::ALL.len(), 131);
        assert_eq!(Errno(41).name(), None);
        assert_eq!(Errno::from_ret(-2), Err(Errno::ENOENT));
        assert_eq!(Errno::from_ret(7), Ok(7));
        assert_eq!(Errno::from_ret(-5000), Ok(-5000));
        assert_eq!(format!("{}", Errno::EIO), "EIO (5)");
    }
}
