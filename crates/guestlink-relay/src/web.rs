//! The guest page, compiled into the relay binary so it serves exactly what was reviewed.

/// The page a link opens (`/g#<fragment>`).
pub const INDEX_HTML: &str = include_str!("../web/index.html");
/// Its script: loads the WASM package, talks to the relay, keeps the session in IndexedDB.
pub const APP_JS: &str = include_str!("../web/app.js");
/// Its stylesheet.
pub const STYLE_CSS: &str = include_str!("../web/style.css");
