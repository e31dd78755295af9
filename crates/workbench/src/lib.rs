//! The workbench: a ratatui screen over the core. Elm-like: one [`message::Message`] type,
//! [`update::update`] changes the [`app::App`] and returns [`message::Effect`]s, and
//! [`view::view`] draws the app as it is; [`runtime`] executes effects and feeds results back
//! as messages.

pub mod app;
pub mod clipboard;
pub mod editor;
pub mod events_list;
pub mod highlight;
pub mod incoming;
pub mod keymap;
pub mod layout;
pub mod measure;
pub mod message;
pub mod output;
pub mod panes;
pub mod runtime;
pub mod sending;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;
