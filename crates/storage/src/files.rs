//! Evidence files, stored by the SHA-256 of their content through `object_store`: a local
//! directory by default; any store `object_store` can open by URL when several instances share
//! the files.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};

use crate::{Result, StorageError};

/// Where evidence files live.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
}

/// A file written to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// SHA-256 of the content, hex: the file's name in the store.
    pub hash: String,
    pub size: u64,
}

fn file_error(e: object_store::Error) -> StorageError {
    StorageError::Corrupt(format!("file store: {e}"))
}

impl FileStore {
    /// Files under a local directory, created if missing.
    pub fn local(dir: &std::path::Path) -> Result<FileStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::Corrupt(format!("cannot create {}: {e}", dir.display())))?;
        let store =
            object_store::local::LocalFileSystem::new_with_prefix(dir).map_err(file_error)?;
        Ok(FileStore {
            store: Arc::new(store),
        })
    }

    /// Opens the store named by `spec`: `s3://BUCKET[/PREFIX]` (credentials and region from the
    /// usual `AWS_*` variables; needs a build with the `s3` feature) for several instances
    /// sharing files, else a local directory.
    pub fn open(spec: &str) -> Result<FileStore> {
        if spec.starts_with("s3://") {
            return FileStore::s3(spec);
        }
        FileStore::local(std::path::Path::new(spec))
    }

    #[cfg(feature = "s3")]
    fn s3(url: &str) -> Result<FileStore> {
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(file_error)?;
        Ok(FileStore {
            store: Arc::new(store),
        })
    }

    #[cfg(not(feature = "s3"))]
    fn s3(url: &str) -> Result<FileStore> {
        Err(StorageError::invalid(
            format!("bản dựng này không hỗ trợ S3 ({url}); hãy dựng lại với `--features s3`"),
            format!("this build has no S3 support ({url}); rebuild with `--features s3`"),
        ))
    }

    fn path(hash: &str) -> Path {
        Path::from(format!("sha256/{}/{}", &hash[..2], hash))
    }

    fn valid_hash(hash: &str) -> bool {
        hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    }

    /// Stores the content (once, however often it is uploaded) and returns its hash.
    pub async fn put(&self, content: Bytes) -> Result<StoredFile> {
        let hash: String = Sha256::digest(&content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let size = content.len() as u64;
        let path = FileStore::path(&hash);
        if self.store.head(&path).await.is_err() {
            self.store
                .put(&path, PutPayload::from_bytes(content))
                .await
                .map_err(file_error)?;
        }
        Ok(StoredFile { hash, size })
    }

    pub async fn exists(&self, hash: &str) -> bool {
        FileStore::valid_hash(hash) && self.store.head(&FileStore::path(hash)).await.is_ok()
    }

    pub async fn get(&self, hash: &str) -> Result<Bytes> {
        if !FileStore::valid_hash(hash) {
            return Err(StorageError::not_found("không có tệp này", "no such file"));
        }
        match self.store.get(&FileStore::path(hash)).await {
            Ok(found) => found.bytes().await.map_err(file_error),
            Err(object_store::Error::NotFound { .. }) => {
                Err(StorageError::not_found("không có tệp này", "no such file"))
            }
            Err(e) => Err(file_error(e)),
        }
    }
}
