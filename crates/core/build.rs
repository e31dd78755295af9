//! Fixtures and presets are compiled into the core; rebuild when any of them changes, added
//! files included.

fn main() {
    println!("cargo:rerun-if-changed=../../fixtures");
}
