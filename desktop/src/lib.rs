//! The Tauri shell of the desktop app. Commands are thin: they parse, call
//! one bloom-core function and map errors to stable codes. No business rules
//! live here.

mod commands;
mod ml;
mod portal;
mod relay;
mod sync;
mod vault;

use tauri::Manager;

/// Starts the app and blocks until its last window closes.
pub fn run() {
    init_logging();
    let link = relay::start_link();
    let result = tauri::Builder::default()
        .manage(link.handle.clone())
        .manage(ml::MlHolder::default())
        .manage(sync::SyncHolder::new())
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            relay::spawn(link, app.handle().clone());
            app.manage(vault::VaultHolder::new(app.handle())?);
            vault::VaultHolder::spawn_idle_lock(app.handle().clone());
            ml::MlHolder::spawn_load(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::relay::relay_status,
            commands::sync::sync_state,
            commands::sync::enroll_device,
            commands::sync::pairing_code,
            commands::sync::sync_devices,
            commands::vault::vault_status,
            commands::vault::passphrase_strength,
            commands::vault::create_vault,
            commands::vault::unlock_vault,
            commands::vault::unlock_with_keychain,
            commands::vault::lock_vault,
            commands::vault::touch_vault,
            commands::vault::set_idle_lock,
            commands::vault::change_passphrase,
            commands::vault::backup_vault,
            commands::vault::restore_vault,
            commands::vault::replace_vault_from_backup,
            commands::client::list_clients,
            commands::client::create_client,
            commands::client::client_chart,
            commands::client::update_profile,
            commands::client::set_case_status,
            commands::client::add_diagnosis,
            commands::client::resolve_diagnosis,
            commands::client::record_consent,
            commands::client::export_client,
            commands::client::rebuild_projections,
            commands::note::list_notes,
            commands::note::create_note,
            commands::note::read_note,
            commands::note::save_note,
            commands::note::sign_note,
            commands::note::add_addendum,
            commands::note::psychotherapy_set_up,
            commands::note::set_up_psychotherapy,
            commands::note::unlock_psychotherapy,
            commands::note::lock_psychotherapy,
            commands::note::list_psychotherapy_notes,
            commands::note::read_psychotherapy_note,
            commands::note::save_psychotherapy_note,
            commands::plan::treatment_plan,
            commands::plan::edit_treatment_plan,
            commands::plan::safety_plan,
            commands::plan::save_safety_plan,
            commands::plan::record_assessment,
            commands::plan::assessment_scores,
            commands::appointment::working_hours,
            commands::appointment::set_working_hours,
            commands::appointment::calendar,
            commands::appointment::appointment_conflicts,
            commands::appointment::create_appointment,
            commands::appointment::set_appointment_status,
            commands::appointment::reschedule_appointment,
            commands::appointment::export_calendar,
            commands::search::search,
            commands::journal::ml_status,
            commands::journal::add_journal_entry,
            commands::journal::journal_entries,
            commands::journal::risk_feedback,
            commands::journal::open_alerts,
            commands::journal::refit_model,
            commands::portal::portal_badge,
            commands::portal::portal_overview,
            commands::portal::publish_availability,
            commands::portal::decide_booking,
            commands::portal::portal_client,
            commands::portal::invite_to_portal,
            commands::portal::revoke_portal,
            commands::portal::portal_reply,
            commands::portal::assign_form,
            commands::portal::share_safety_plan,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the desktop app failed");
        std::process::exit(1);
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,ort=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
