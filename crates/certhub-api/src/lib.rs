//! certhub-api: the HTTP doors of certhub.

pub mod tencent;
