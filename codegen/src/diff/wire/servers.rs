//! `servers`: a URL removed (potentially breaking: clients configured with it lose it) or added.

use super::{Level, Rule, Walk};

impl Walk<'_> {
    pub(super) fn servers(&mut self) {
        let old: Vec<&str> = self.old.servers.iter().map(|s| s.url.as_str()).collect();
        let new: Vec<&str> = self.new.servers.iter().map(|s| s.url.as_str()).collect();
        for (index, url) in old.iter().enumerate() {
            if !new.contains(url) {
                let at = format!("/servers/{index}/url");
                let message = format!("server `{url}` removed");
                self.add(Rule::ServerUrlChanged, Some(&at), None, message);
            }
        }
        for (index, url) in new.iter().enumerate() {
            if !old.contains(url) {
                let at = format!("/servers/{index}/url");
                let message = format!("server `{url}` added");
                let rule = Rule::ServerUrlChanged;
                self.add_at(rule, Level::NonBreaking, None, Some(&at), message);
            }
        }
    }
}
