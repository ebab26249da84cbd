//! The Tauri shell of the desktop app. Commands are thin: they parse, call
//! one bloom-core function and map errors to stable codes. No business rules
//! live here.

mod commands;
mod relay;

/// Starts the app and blocks until its last window closes.
pub fn run() {
    init_logging();
    let link = relay::start_link();
    let result = tauri::Builder::default()
        .manage(link.handle.clone())
        .setup(move |app| {
            relay::spawn(link, app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![commands::relay_status])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the desktop app failed");
        std::process::exit(1);
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
