//! The practice admin's console, server-rendered by the relay: members and
//! roles, devices, invites, the audit log, health and support tickets. Like
//! the portal, plain forms with the session's CSRF token; the components
//! only show what the handler already checked and formatted.

pub mod audit;
pub mod chart;
pub mod devices;
pub mod health;
pub mod invites;
pub mod layout;
pub mod members;
pub mod tickets;

pub use layout::{ConsoleFrame, ConsoleTab};
