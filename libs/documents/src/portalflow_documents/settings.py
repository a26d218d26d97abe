"""Where documents live and how large they may be."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

MIGRATIONS = Path(__file__).parent / "sql"


class DocumentSettings(BaseSettings):
    blob_store_path: Path = Field(Path("var/blobs"),
                                  description="Directory of the blob store both services reach.")
    max_upload_bytes: int = Field(15 * 1024 * 1024, description="Larger uploads get 413.")
