//! The model: the [`app::App`] and the state it is made of, and the [`message::Message`] and
//! [`message::Effect`] vocabulary `update` speaks. Nothing here draws or changes state on its
//! own behalf; [`measure`] counts what the panes will show, for `update` and the view alike, and
//! [`findings`] keeps the layout of the findings lists so a frame need not work it out.

pub mod app;
pub mod editor;
pub mod events_list;
pub mod field_cursor;
pub mod findings;
pub mod jobs;
pub mod layout_state;
pub mod listener;
pub mod mapping;
pub mod measure;
pub mod message;
pub mod messages;
pub mod output;
pub mod reading;
pub mod search;
pub mod sending;
pub mod status_labels;
