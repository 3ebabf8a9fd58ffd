//! Responses, matched by status (`200`, `4XX`, `default`): the set of success statuses, error
//! statuses added or removed, and the content of those on both sides.

use openapiv3::{Operation, ReferenceOr, Response, StatusCode};

use super::{Dir, Level, Rule, Side, Walk, list};
use crate::error::push_token;
use crate::resolve::Resolver;

/// An operation's responses by status id, `default` last.
type Statuses<'a> = Vec<(String, &'a ReferenceOr<Response>)>;

fn status_id(status: &StatusCode) -> String {
    match status {
        StatusCode::Code(code) => code.to_string(),
        StatusCode::Range(class) => format!("{class}XX"),
    }
}

fn is_success(status: &str) -> bool {
    status.starts_with('2')
}

fn statuses(op: &Operation) -> Statuses<'_> {
    let mut out: Vec<_> = op
        .responses
        .responses
        .iter()
        .map(|(k, v)| (status_id(k), v))
        .collect();
    out.extend(
        op.responses
            .default
            .as_ref()
            .map(|d| ("default".to_owned(), d)),
    );
    out
}

fn success(statuses: &Statuses<'_>) -> Vec<String> {
    statuses
        .iter()
        .map(|(s, _)| s.clone())
        .filter(|s| is_success(s))
        .collect()
}

impl<'a> Walk<'a> {
    pub(super) fn responses(
        &mut self,
        old_at: &str,
        old: &'a Operation,
        new_at: &str,
        new: &'a Operation,
    ) {
        let (old_responses, new_responses) = (statuses(old), statuses(new));
        let old_responses_at = push_token(old_at, "responses");
        let new_responses_at = push_token(new_at, "responses");
        self.success_statuses(
            (&old_responses, &old_responses_at),
            (&new_responses, &new_responses_at),
        );
        for (status, _) in new_responses.iter().filter(|(s, _)| !is_success(s)) {
            if old_responses.iter().any(|(s, _)| s == status) {
                continue;
            }
            let at = push_token(&new_responses_at, status);
            let message = format!("error status `{status}` added");
            self.add(Rule::ErrorStatusAdded, None, Some(&at), message);
        }
        for (status, old_response) in &old_responses {
            let old_response_at = push_token(&old_responses_at, status);
            let Some((_, new_response)) = new_responses.iter().find(|(s, _)| s == status) else {
                if !is_success(status) {
                    let message = format!("error status `{status}` removed");
                    let rule = Rule::ErrorStatusRemoved;
                    self.add(rule, Some(&old_response_at), None, message);
                }
                continue;
            };
            let new_response_at = push_token(&new_responses_at, status);
            self.response(
                status,
                (old_response, &old_response_at),
                (new_response, &new_response_at),
            );
        }
    }

    /// The set of success statuses. Only added ones are non-breaking: old clients never see them
    /// from an old server, and the wire contract for the old ones holds.
    fn success_statuses(
        &mut self,
        (old, old_at): (&Statuses<'a>, &str),
        (new, new_at): (&Statuses<'a>, &str),
    ) {
        let (old_success, new_success) = (success(old), success(new));
        if old_success == new_success {
            return;
        }
        let only_added = old_success.iter().all(|s| new_success.contains(s));
        let wire = if only_added {
            Level::NonBreaking
        } else {
            Level::Breaking
        };
        let message = format!(
            "success status {} → {}",
            list(&old_success),
            list(&new_success)
        );
        let rule = Rule::SuccessStatusChanged;
        self.add_at(rule, wire, Some(old_at), Some(new_at), message);
    }

    /// A response in both documents: its content.
    fn response(
        &mut self,
        status: &str,
        (old, old_at): (&'a ReferenceOr<Response>, &str),
        (new, new_at): (&'a ReferenceOr<Response>, &str),
    ) {
        let o = self.found_or_error(Side::Old, Resolver { api: self.old }.response(old, old_at));
        let n = self.found_or_error(Side::New, Resolver { api: self.new }.response(new, new_at));
        if let (Some((o, o_at)), Some((n, n_at))) = (o, n) {
            self.content(
                Dir::Response,
                &o.content,
                &o_at,
                &n.content,
                &n_at,
                &format!("{status} response"),
            );
        }
    }
}
