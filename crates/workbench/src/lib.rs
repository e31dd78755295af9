//! The workbench: a ratatui screen over the core, Elm-like and in layers, each importing only
//! from the layers below it:
//!
//! - leaves, used by every layer: [`keymap`], [`theme`], [`highlight`], [`layout`], [`text`],
//!   [`clipboard`];
//! - [`model`]: the [`model::app::App`] and its state, the [`model::message::Message`] and
//!   [`model::message::Effect`] vocabulary, [`model::jobs`] (the newest run per event, the one
//!   table runs consult to skip stale items) and [`model::measure`], which counts what the panes
//!   will show;
//! - [`update`]: [`update::update`]`(&mut App, Message) -> Vec<Effect>`, the only door into the
//!   state, even for the start ([`model::message::Message::Started`]); its concerns (runs, keys,
//!   overlays, scrolling, files, sending, receiving) are private files of it;
//! - [`view`]: [`view::view`]`(&App, &mut Frame)`, one file per pane or overlay, with the
//!   frames, centring and key hints of the overlays in [`view::frame`];
//! - [`runtime`]: the terminal, the event loop, the executor of effects and the files it
//!   touches (saves, the recovery file, `$EDITOR`, watching, the picker's list). It only sends
//!   messages to `update` and carries out effects; so does the test harness ([`testing`],
//!   behind the `testing` feature).
//!
//! `update` and `view` never import each other. A unit test reads these sources and fails on an
//! import that crosses the layers the wrong way.

pub mod clipboard;
pub mod highlight;
pub mod keymap;
pub mod layout;
pub mod model;
pub mod runtime;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod text;
pub mod theme;
pub mod update;
pub mod view;

#[cfg(test)]
mod layers;
