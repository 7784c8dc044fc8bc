//! One node of a cluster: a configuration file meant for one machine, with what its
//! findings need to name it (file, name, the text for keyword lines).

use super::locate::Locator;
use crate::config::model::Config;

/// One node: a configuration file meant for one machine.
pub struct Node {
    /// The file as the user named it: diagnostics say FILE:LINE with it.
    pub file: String,
    /// A short name for timelines: `router_id`, else the file's stem.
    pub name: String,
    pub config: Config,
    /// The file's text, to find the line of a keyword the model keeps no line for.
    pub text: String,
    /// keepalived's config ID the file was read with (`@ID` lines), if given.
    pub config_id: Option<String>,
}

impl Node {
    pub fn new(file: &str, text: &str, config: Config) -> Node {
        let stem = std::path::Path::new(file)
            .file_stem()
            .map_or(file.to_string(), |s| s.to_string_lossy().into_owned());
        Node {
            file: file.to_string(),
            name: config.router_id.clone().unwrap_or(stem),
            config,
            text: text.to_string(),
            config_id: None,
        }
    }

    pub(super) fn locator(&self) -> Locator<'_> {
        Locator::new(&self.text, self.config_id.as_deref())
    }
}
