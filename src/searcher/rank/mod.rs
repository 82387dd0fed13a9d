//! Ranking pieces both engines use: [`collect`] (the deterministic top-k, ties by id, the cap
//! per document and how far the window widens), [`score`] (one passage's score for a query),
//! [`coord`] (coordination: more of a keyword query's words, higher; its pruning) with
//! [`phrase`] (its bonus phrases), [`document`] (a document's own evidence blended with its
//! passages'), [`exclude`] (excluded clauses, never sought backwards), [`once`] (clauses about
//! the whole document, scored once), [`surface`] (the word as typed before its stem-mates) and
//! [`semantic`] (passage vectors, the vector query, fusion).

pub mod collect;
pub mod coord;
pub mod document;
pub mod exclude;
pub mod once;
pub mod phrase;
pub mod score;
pub mod semantic;
pub mod surface;
