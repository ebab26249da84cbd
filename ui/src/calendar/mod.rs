//! The calendar: a week or day grid of appointments, and the dialogs that
//! create and change them.

pub mod dialog;
pub mod grid;

pub use dialog::{AppointmentDialog, OccurrencePanel};
pub use grid::{CalendarGrid, View};
