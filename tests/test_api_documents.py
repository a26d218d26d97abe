"""The checked-in OpenAPI and AsyncAPI documents are the ones the code generates."""

from portalflow_contracts.topics import PARTITIONS
from portalflow_devstack import docs


def test_checked_in_api_documents_match_the_code():
    rendered = docs.render()
    on_disk = {name: (docs.DOCS / name).read_text() for name in rendered
               if (docs.DOCS / name).is_file()}
    assert on_disk == rendered, "run `make docs` and commit docs/"


def test_the_asyncapi_document_names_every_topic_and_event():
    from portalflow_contracts.asyncapi import document
    from portalflow_contracts.registry import EVENT_TYPES

    spec = document()
    assert set(spec["channels"]) == set(PARTITIONS)
    listed = {m["name"] for m in spec["components"]["messages"].values()}
    assert listed == set(EVENT_TYPES)
