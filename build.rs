//! Fixtures, presets and themes are compiled into the binary; rebuild when any of them
//! changes, added files included.

fn main() {
    println!("cargo:rerun-if-changed=fixtures");
    println!("cargo:rerun-if-changed=themes");
}
