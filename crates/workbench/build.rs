//! The built-in themes are compiled into the workbench; rebuild when any of them changes, added
//! files included.

fn main() {
    println!("cargo:rerun-if-changed=../../themes");
}
