//! Cobo's WaaS 2.0 client, generated from the spec by `build.rs`.
//!
//! The generated `lib.rs` has no inner attributes (`include!` cannot hold them): this crate root
//! carries them.
#![forbid(unsafe_code)]
// Without any tag's feature there is no operation, and parts of the runtime go unused.
#![cfg_attr(not(feature = "oauth"), allow(dead_code))]

include!(concat!(env!("OUT_DIR"), "/cobo/lib.rs"));
