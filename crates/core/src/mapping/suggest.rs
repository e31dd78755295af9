//! What the mapping editor's field picker proposes.
