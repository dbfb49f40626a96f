//! The Tencent Cloud SSL API door (service `ssl`, version 2019-12-05).

pub mod sign;
