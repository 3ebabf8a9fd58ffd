//! Parameters, matched by `in` and name after path-level ones are overridden by the operation's:
//! added, removed, made required or optional, and their schemas.

use indexmap::IndexMap;
use openapiv3::{Parameter, ParameterSchemaOrContent};

use super::operations::OpAt;
use super::{Dir, Place, Rule, Side, Walk};
use crate::error::push_token;
use crate::resolve::Resolver;

/// A parameter's identity: (`in`, name).
type ParamKey<'a> = (&'static str, &'a str);

/// The effective parameters of an operation, with their pointers.
type Params<'a> = IndexMap<ParamKey<'a>, (&'a Parameter, String)>;

fn location(parameter: &Parameter) -> &'static str {
    match parameter {
        Parameter::Query { .. } => "query",
        Parameter::Header { .. } => "header",
        Parameter::Path { .. } => "path",
        Parameter::Cookie { .. } => "cookie",
    }
}

impl<'a> Walk<'a> {
    /// The effective parameters: path-level ones overridden by operation-level ones.
    fn params_of(&mut self, side: Side, operation: &OpAt<'a>) -> Params<'a> {
        let resolver = Resolver {
            api: self.api(side),
        };
        let at = &operation.at;
        let path_at = at.rsplit_once('/').map_or("", |(p, _)| p).to_owned();
        let mut out = IndexMap::new();
        let lists = [
            (operation.common, push_token(&path_at, "parameters")),
            (
                operation.op.parameters.as_slice(),
                push_token(at, "parameters"),
            ),
        ];
        for (list, list_at) in lists {
            for (index, item) in list.iter().enumerate() {
                match resolver.parameter(item, &push_token(&list_at, &index.to_string())) {
                    Ok(found) => {
                        let name = found.value.parameter_data_ref().name.as_str();
                        out.insert((location(found.value), name), (found.value, found.pointer));
                    }
                    Err(e) => self.errors.push((side, e)),
                }
            }
        }
        out
    }

    pub(super) fn parameters(&mut self, old: &OpAt<'a>, new: &OpAt<'a>) {
        let old_params = self.params_of(Side::Old, old);
        let new_params = self.params_of(Side::New, new);
        for ((location, name), (param, at)) in &new_params {
            if old_params.contains_key(&(*location, *name)) {
                continue;
            }
            let (rule, which) = if param.parameter_data_ref().required {
                (Rule::ParameterAddedRequired, "required")
            } else {
                (Rule::ParameterAddedOptional, "optional")
            };
            let message = format!("{which} {location} parameter `{name}` added");
            self.add(rule, None, Some(at), message);
        }
        for (key, (param, at)) in &old_params {
            let (location, name) = key;
            match new_params.get(key) {
                Some((new_param, new_at)) => {
                    self.parameter(*key, (param, at), (new_param, new_at));
                }
                None => {
                    let message = format!("{location} parameter `{name}` removed");
                    self.add(Rule::ParameterRemoved, Some(at), None, message);
                }
            }
        }
    }

    /// One parameter in both documents: whether it is required, and its schema.
    fn parameter(
        &mut self,
        (location, name): ParamKey<'a>,
        (old, old_at): (&'a Parameter, &str),
        (new, new_at): (&'a Parameter, &str),
    ) {
        let (old_data, new_data) = (old.parameter_data_ref(), new.parameter_data_ref());
        if !old_data.required && new_data.required {
            let message = format!("{location} parameter `{name}` made required");
            let rule = Rule::ParameterMadeRequired;
            self.add(rule, Some(old_at), Some(new_at), message);
        } else if old_data.required && !new_data.required {
            let message = format!("{location} parameter `{name}` made optional");
            let rule = Rule::ParameterMadeOptional;
            self.add(rule, Some(old_at), Some(new_at), message);
        }
        if let (ParameterSchemaOrContent::Schema(o), ParameterSchemaOrContent::Schema(n)) =
            (&old_data.format, &new_data.format)
        {
            let label = format!("{name} ({location})");
            let o = self.resolve(Side::Old, o.into(), push_token(old_at, "schema"));
            let n = self.resolve(Side::New, n.into(), push_token(new_at, "schema"));
            if let (Some(o), Some(n)) = (o, n) {
                self.schema(Dir::Request, Place::Parameter, &o, &n, &label);
            }
        }
    }
}
