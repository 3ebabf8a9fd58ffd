//! Checks made before SQLite opens a database file: SQLite's own error for a missing or
//! read-only directory, or a directory in place of the file, is only "unable to open database
//! file", and it creates files with the process umask.

use std::fs::{self, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use crate::store::StoreError;

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
    let path = path.to_owned();
    move |source| StoreError::Io {
        action,
        path,
        source,
    }
}

/// Makes sure `path` can hold a private database: its directory exists and is writable (SQLite
/// creates `-wal` and `-shm` beside it), the file is created mode 0600 if absent (SQLite gives
/// those files the database's mode), and an existing file is a regular file no other user can
/// read or write.
pub(crate) fn prepare_database_file(path: &Path) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let dir_meta = fs::metadata(dir).map_err(io_error(
        "find the directory of the database (a missing parent directory?)",
        dir,
    ))?;
    if !dir_meta.is_dir() {
        return Err(io_error("use as the database's directory", dir)(
            io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        ));
    }
    // SQLite needs to create its -wal and -shm files in the directory, even to read.
    rustix::fs::access(
        dir,
        rustix::fs::Access::WRITE_OK | rustix::fs::Access::EXEC_OK,
    )
    .map_err(|e| {
        io_error(
            "create files in the database's directory (read-only, or not ours?)",
            dir,
        )(e.into())
    })?;
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(io_error("open the database", path)(io::Error::new(
                io::ErrorKind::IsADirectory,
                "it is a directory, not a file",
            )));
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .or_else(|e| match e.kind() {
                    // Another process created it first.
                    io::ErrorKind::AlreadyExists => OpenOptions::new().read(true).open(path),
                    _ => Err(e),
                })
                .map_err(io_error("create the database", path))?;
        }
        Err(e) => return Err(io_error("look at the database", path)(e)),
    }
    let meta = fs::metadata(path).map_err(io_error("look at the database", path))?;
    if !meta.is_file() {
        return Err(io_error("open the database", path)(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(StoreError::Refused {
            location: path.display().to_string(),
            reason: format!(
                "other users can read or write the file (mode {:o}), which holds every \
                 organization's tokens: `chmod 600` it (and its -wal and -shm files)",
                meta.mode() & 0o777
            ),
        });
    }
    rustix::fs::access(
        path,
        rustix::fs::Access::READ_OK | rustix::fs::Access::WRITE_OK,
    )
    .map_err(|e| io_error("open the database for writing (read-only?)", path)(e.into()))
}
