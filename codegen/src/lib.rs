//! OpenAPI 3.0 → Rust client generator for Cobo's WaaS 2.0 API.
//!
//! The pipeline, one module per stage, each using only the ones before it: [`load`] (YAML →
//! `openapiv3`, `$ref` siblings kept), `resolve` (`$ref`s followed by one walker, `allOf`
//! merged, path templates parsed), [`model`] (a resolved, named intermediate model), `emit`
//! (model → pieces of each file: tokens and text), `format` (pieces → text) and the files
//! (headers, `client.rs`, manifest). Generated crates depend on the runtime crate
//! `cobo-waas2-runtime` (at least [`RUNTIME_VERSION`]) for everything the spec does not say. [`generate`] runs them in that order. It is pure: it
//! reads only what it is handed, returns the same bytes for the same input, and reports every
//! problem as a located [`Error`] instead of panicking. [`diff`] compares two specs with the
//! same stages.

pub mod diff;
mod docs;
mod emit;
mod error;
mod format;
pub mod ident;
mod lines;
pub mod load;
pub mod model;
mod resolve;
mod runtime;
mod warning_kind;
mod wide;

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use error::{Error, ErrorKind, Warning};
pub use format::GENERATED_MARK;
pub use runtime::RUNTIME_VERSION;
pub use warning_kind::WarningKind;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// How the spec is named in errors and file headers, e.g. `spec/cobo-waas2-oauth.yaml`.
    pub spec_name: String,
    /// The command that regenerates the output, quoted in every file header.
    pub command: String,
    /// The crate's package name, e.g. `cobo-waas2`; the library name is its snake_case form.
    pub crate_name: String,
    /// Whether to write `Cargo.toml` too (a standalone crate) or only `src/` (a workspace member
    /// whose manifest is kept by hand).
    pub manifest: bool,
    /// Where that `Cargo.toml` finds the runtime crate `cobo-waas2-runtime`, relative to the
    /// manifest (`../runtime`); `None` for the crates.io release.
    pub runtime_path: Option<String>,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Path relative to the crate root, `/`-separated (`src/models.rs`); from
    /// [`generate_for_include`], relative to its directory (`models.rs`).
    pub path: String,
    /// Contents.
    pub contents: String,
}

/// The generated crate and what was worked around on the way.
#[derive(Debug, Clone)]
pub struct Output {
    /// Files, sorted by path.
    pub files: Vec<File>,
    /// Located warnings.
    pub warnings: Vec<Warning>,
}

/// Generates the client crate for the spec `text`.
pub fn generate(text: &str, options: &Options) -> Result<Output, Error> {
    generate_in(text, options, None)
}

/// Generates the client for `include!` at the root of an app's own crate, from a build script:
/// the files are meant for the absolute directory `dir` (in `OUT_DIR`) and their paths are
/// relative to it (`lib.rs`, `models.rs`, …, and `Cargo.toml` with [`Options::manifest`]: the
/// features and dependencies the app's manifest must declare).
///
/// `lib.rs` names each module's file in `dir` by a `#[path]` attribute and has no inner
/// attribute: the crate docs, `#![forbid(unsafe_code)]` and, for a spec whose every operation is
/// behind a feature, `#![cfg_attr(not(any(feature = …)), allow(dead_code))]` are the including
/// crate's to write. A `dir` that is relative or not UTF-8 (a `#[path]` cannot name it) is an
/// [`ErrorKind::Unsupported`] error.
///
/// ```no_run
/// // build.rs
/// let dir = std::path::PathBuf::from(std::env::var_os("OUT_DIR").ok_or("no OUT_DIR")?).join("cobo");
/// let text = std::fs::read_to_string("dev_openapi.yaml")?;
/// let options = codegen::Options {
///     spec_name: "dev_openapi.yaml".into(),
///     command: "cargo build".into(),
///     crate_name: std::env::var("CARGO_PKG_NAME")?,
///     manifest: false,
///     runtime_path: None,
/// };
/// std::fs::create_dir_all(&dir)?;
/// for file in codegen::generate_for_include(&text, &options, &dir)?.files {
///     std::fs::write(dir.join(&file.path), &file.contents)?;
/// }
/// // src/lib.rs: include!(concat!(env!("OUT_DIR"), "/cobo/lib.rs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate_for_include(
    text: &str,
    options: &Options,
    dir: &std::path::Path,
) -> Result<Output, Error> {
    let refuse = |why: &str| {
        let mut error = Error::at(
            ErrorKind::Unsupported,
            "",
            format!("the include directory {dir:?} is {why}: a #[path] attribute cannot name it"),
        );
        error.file = options.spec_name.clone();
        error
    };
    if dir.to_str().is_none() {
        return Err(refuse("not UTF-8"));
    }
    if !dir.is_absolute() {
        return Err(refuse(
            "relative (included modules resolve beside the including file)",
        ));
    }
    generate_in(text, options, Some(dir))
}

/// [`generate`], or with `include` [`generate_for_include`] into that directory.
fn generate_in(
    text: &str,
    options: &Options,
    include: Option<&std::path::Path>,
) -> Result<Output, Error> {
    let locate = |mut error: Error| {
        error.file = options.spec_name.clone();
        if error.line.is_none() {
            error.line = lines::line_of(text, &error.pointer);
        }
        error
    };
    // load → resolve → model
    let document = load::load_document(text).map_err(locate)?;
    let resolved = resolve::resolve(&document.api, &document.ref_siblings).map_err(locate)?;
    let mut api = model::build_resolved(&resolved).map_err(locate)?;
    locate_warnings(text, &mut api.warnings);
    // → emit → format
    let lib_name = options.crate_name.replace('-', "_");
    let sources = emit_and_format(&api, &lib_name);
    // → the files
    let files = write(&api, sources, text, options, include).map_err(locate)?;
    Ok(Output {
        files,
        warnings: api.warnings,
    })
}

/// Gives each warning the line of its pointer, and sorts them by line.
fn locate_warnings(text: &str, warnings: &mut [Warning]) {
    let pointers: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
    let lines = lines::lines_of(text, &pointers);
    for (warning, line) in warnings.iter_mut().zip(lines) {
        warning.line = line;
    }
    warnings.sort_by(|a, b| (a.line, &a.pointer).cmp(&(b.line, &b.pointer)));
}

/// The files of the crate: the formatted sources and `client.rs` with their headers, and the
/// manifest; sorted by path.
fn write(
    api: &model::Api,
    sources: Vec<(&'static str, Result<String, Error>)>,
    text: &str,
    options: &Options,
    include: Option<&std::path::Path>,
) -> Result<Vec<File>, Error> {
    let header = format::header(&options.spec_name, &options.command, None);
    let identity = format::spec_identity(&api.version, text);
    let lib_name = options.crate_name.replace('-', "_");
    let mut files = Vec::new();
    // Paths relative to the crate root, or to the include directory.
    let src = if include.is_some() { "" } else { "src/" };
    for (path, source) in sources {
        let source = match (path, include) {
            ("lib.rs", Some(dir)) => emit::include_lib_rs(api, &lib_name, dir),
            _ => source,
        }?;
        let header = match path {
            "lib.rs" => format::header(&options.spec_name, &options.command, Some(&identity)),
            _ => header.clone(),
        };
        files.push(File {
            path: format!("{src}{path}"),
            contents: format!("{header}{source}"),
        });
    }
    files.push(File {
        path: format!("{src}client.rs"),
        contents: format!("{header}{}", emit::client_rs()),
    });
    if options.manifest {
        let runtime_path = options.runtime_path.as_deref();
        files.push(File {
            path: "Cargo.toml".to_owned(),
            contents: format::toml_header(&options.spec_name, &options.command, &identity)
                + &emit::manifest(&options.crate_name, api, runtime_path),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Emits every generated file and formats it, in chunks on their own threads: for the full
/// spec, formatting the models is most of the generator's time. (Token streams cannot cross
/// threads, so each thread emits the pieces it formats.)
fn emit_and_format(api: &model::Api, lib_name: &str) -> Vec<(&'static str, Result<String, Error>)> {
    // Which features gate each type: computed once, read by every models chunk.
    let features = &emit::Features::new(api);
    std::thread::scope(|scope| {
        let files: Vec<_> = emit::FILES
            .iter()
            .map(|&path| {
                let parts = emit::chunks(api, path);
                let chunks: Vec<_> = (0..parts)
                    .map(|part| {
                        scope.spawn(move || {
                            let pieces = emit::pieces(api, features, lib_name, path, part, parts);
                            format::rust(path, pieces)
                        })
                    })
                    .collect();
                (path, chunks)
            })
            .collect();
        files
            .into_iter()
            .map(|(path, chunks)| (path, join(path, chunks)))
            .collect()
    })
}

/// The text of a file formatted in chunks, in order; the first chunk's error, if any.
fn join(
    path: &str,
    chunks: Vec<std::thread::ScopedJoinHandle<'_, Result<String, Error>>>,
) -> Result<String, Error> {
    let mut text = String::new();
    for chunk in chunks {
        let chunk = chunk.join().unwrap_or_else(|_| {
            Err(Error::at(
                ErrorKind::Internal,
                "",
                format!("generating {path} panicked"),
            ))
        });
        text.push_str(&chunk?);
    }
    Ok(text)
}

/// The dependencies generated code needs, as `Cargo.toml` lines: the runtime from crates.io, or
/// from `runtime_path` (relative to the manifest) when given.
pub fn dependencies(runtime_path: Option<&str>) -> String {
    emit::dependencies(runtime_path)
}
