// The client generated from `codegen/tests/fixtures/media_types.yaml` (see `../build.rs`): the crate
// docs and the crate attributes of the standalone crate's `lib.rs`, which `include!` cannot carry.
#![doc = include_str!(concat!(env!("OUT_DIR"), "/fixture/crate_docs.md"))]
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/fixture/lib.rs"));
