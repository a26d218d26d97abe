"""The blob store the settings choose: an S3-compatible bucket or a directory."""

from portalflow_documents.blobs import BlobStore, FilesystemBlobStore
from portalflow_documents.settings import DocumentSettings


def blob_store(settings: DocumentSettings) -> BlobStore:
    """The bucket at `blob_store_url` when set, else the directory at `blob_store_path`."""
    if settings.blob_store_url:
        from portalflow_documents.s3 import S3BlobStore  # boto3 loads only when used

        return S3BlobStore.from_url(settings.blob_store_url, endpoint_url=settings.s3_endpoint_url,
                                    region=settings.s3_region)
    return FilesystemBlobStore(settings.blob_store_path)
