"""Both services keep documents in one S3-compatible bucket: what one stores, the other serves."""

from collections.abc import Iterator

import pytest
from flows import ok
from test_portal_actions import PDF, PNG, PORTAL, configure, open_at, upload

from portalflow_devstack.testing import Services, eventually, running_services

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def bucket() -> Iterator[tuple[str, object]]:
    """moto's S3 server on a free loopback port, with an empty bucket: its endpoint and client."""
    server_module = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
    client.create_bucket(Bucket="documents")
    try:
        yield endpoint, client
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_services(stack, bucket, tmp_path_factory) -> Iterator[Services]:
    """config-service and portal-service on fresh databases, blobs in the bucket."""
    endpoint, _ = bucket
    with running_services(stack, tmp_path_factory.mktemp("s3-service-logs"),
                          BLOB_STORE_URL="s3://documents/portalflow", S3_ENDPOINT_URL=endpoint,
                          **CREDENTIALS) as running:
        yield running


def test_documents_go_through_the_bucket_both_ways(s3_services, bucket):
    _, client = bucket
    org = configure(s3_services)
    opportunity_id, customer = open_at(s3_services, org, "Documentación")
    shared = ok(org.admin.post("/v1/documents", files={
        "file": ("Plano tejado.png", PNG, "image/png")}), 201)
    ok(org.admin.put(f"/v1/opportunities/{opportunity_id}/fields/{org.fields['plan']}",
                     json={"value": {"document_id": shared["document_id"]}}))
    mine = ok(upload(customer, f"{PORTAL}/{opportunity_id}/fields/{org.fields['bill']}/document",
                     PDF + b"s3", "factura.pdf"), 202)["document"]

    documents = f"{PORTAL}/{opportunity_id}/documents"
    downloaded = eventually(lambda: (r := customer.get(f"{documents}/{shared['document_id']}"))
                            .status_code == 200 and r)
    assert downloaded.content == PNG and downloaded.headers["content-length"] == str(len(PNG))
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    # The back office knows the customer's upload once config-service has applied its event.
    read = eventually(lambda: (r := org.admin.get(f"/v1/documents/{mine['document_id']}"))
                      .status_code == 200 and r)
    assert read.content == PDF + b"s3" and read.headers["content-type"] == "application/pdf"
    assert read.headers["content-disposition"] == 'attachment; filename="factura.pdf"'

    keys = {o["Key"] for o in client.list_objects_v2(Bucket="documents")["Contents"]}
    assert {f"portalflow/{d['sha256'][:2]}/{d['sha256']}" for d in (shared, mine)} <= keys
