//! lkl-abi's ioctl numbers against rustix's encoding of the uapi `_IOR` /
//! `_IOW` macros (an encoding written elsewhere than ours).

use lkl_abi::sys;
use rustix::ioctl::opcode;

#[test]
fn label_ioctls() {
    assert_eq!(sys::FS_IOC_GETFSLABEL, opcode::read::<[u8; sys::FSLABEL_MAX]>(0x94, 49));
    assert_eq!(sys::FS_IOC_SETFSLABEL, opcode::write::<[u8; sys::FSLABEL_MAX]>(0x94, 50));
}
