//! Ranking pieces both engines use: [`collect`] (the deterministic top-k, ties by id, the cap
//! per document and how far the window widens), [`score`] (one passage's score for a query),
//! [`coord`] (coordination: more of a keyword query's words, higher; its pruning) with
//! [`phrase`] (its bonus phrases), [`exclude`] (excluded clauses, never sought backwards) and
//! [`semantic`] (passage vectors, the vector query, fusion).

pub mod collect;
pub mod coord;
pub mod exclude;
pub mod phrase;
pub mod score;
pub mod semantic;
