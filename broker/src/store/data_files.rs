//! Listing a store directory's numbered data files. The commit log and each consume queue keep
//! their data in files named by the offset of their first byte (or unit); both open them the same
//! way at start-up, before each checks the sizes against its own configured file size.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use super::error::{io_err, Result};
use super::format;

/// A data file found in a store directory, opened read-write.
pub(crate) struct DataFile {
    /// The offset its name gives.
    pub start: u64,
    pub file: File,
    pub path: PathBuf,
    /// Its length on disk when opened.
    pub len: u64,
}

/// Opens every file of `dir` whose name is an offset ([`format::path_to_offset`]; other names,
/// such as `.tmp` files, are skipped), oldest first.
pub(crate) fn open_data_files(dir: &Path) -> Result<Vec<DataFile>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err("list", dir))? {
        let path = entry.map_err(io_err("list", dir))?.path();
        let Some(start) = format::path_to_offset(&path) else {
            continue;
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_err("open", &path))?;
        let len = file.metadata().map_err(io_err("stat", &path))?.len();
        files.push(DataFile {
            start,
            file,
            path,
            len,
        });
    }
    files.sort_by_key(|f| f.start);
    Ok(files)
}
