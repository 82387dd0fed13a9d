//! The search page served at `/`: one HTML file with its CSS and script inside, compiled into
//! the binary (no network, no build step). It talks to the JSON API only, and puts every value
//! from the index into the page as text (`textContent`), never as markup, so a title
//! `<script>…` is shown as those characters.

/// The page.
pub const HTML: &str = include_str!("page.html");
