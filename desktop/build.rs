fn main() {
    // Tauri embeds the frontend at compile time; say how to build it rather
    // than failing deep inside tauri's macros.
    let dist = std::path::Path::new("frontend/dist/index.html");
    if !dist.exists() {
        println!(
            "cargo::error=the desktop frontend is not built: run scripts/build-frontend.sh \
             (or the README's run/test command) first"
        );
    }
    println!("cargo::rerun-if-changed=frontend/dist");
    tauri_build::build()
}
