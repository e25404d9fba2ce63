//! Engine.IO v4 server: placeholder, filled in by the foundation issue.
