"""Where documents live and how large they may be."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

MIGRATIONS = Path(__file__).parent / "sql"


class DocumentSettings(BaseSettings):
    blob_store_path: Path = Field(Path("var/blobs"), description=(
        "Directory of the blob store both services reach, when blob_store_url is unset."))
    blob_store_url: str | None = Field(None, description=(
        "s3://bucket/prefix: keep blobs in that S3-compatible bucket instead; credentials from"
        " the standard AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …)."))
    s3_endpoint_url: str | None = Field(None, description=(
        "The S3-compatible server (MinIO, …), e.g. http://minio:9000; unset: AWS S3."))
    s3_region: str | None = Field(None, description=(
        "The bucket's region; unset: AWS_DEFAULT_REGION or the AWS config file."))
    max_upload_bytes: int = Field(15 * 1024 * 1024, description="Larger uploads get 413.")
