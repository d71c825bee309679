"""Hosting rendered media: the local directory the embedded default serves over HTTP, and S3
against a real S3-compatible server on 127.0.0.1 (moto in server mode), public and presigned."""

from __future__ import annotations

import json

import boto3
import httpx
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from toby_pipelines.media.store import LocalMediaStore, S3MediaStore


@pytest.fixture
def s3():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(signature_version="s3v4"),  # as MediaResource makes it
    )  # fmt: skip
    client.create_bucket(Bucket="toby-media")
    yield endpoint, client
    server.stop()


def test_s3_store_uploads_and_serves_presigned_and_public_urls(s3, tmp_path):
    endpoint, client = s3
    slide = tmp_path / "slide-01.jpg"
    slide.write_bytes(b"\xff\xd8 a jpeg \xff\xd9")
    presigned = S3MediaStore("toby-media", client)
    url = presigned.put("abc123", "slide-01.jpg", slide)
    assert "X-Amz-Signature" in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == slide.read_bytes()
    head = client.head_object(Bucket="toby-media", Key="media/abc123/slide-01.jpg")
    assert head["ContentType"] == "image/jpeg"
    # A public bucket is the operator's choice: a policy that lets anyone read the media.
    client.put_bucket_policy(Bucket="toby-media", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::toby-media/media/*"}]}))  # fmt: skip
    assert httpx.get(f"{endpoint}/toby-media/private.txt").status_code in (403, 404)
    public = S3MediaStore("toby-media", client, public_base_url=f"{endpoint}/toby-media")
    assert (
        public.url("abc123", "slide-01.jpg") == f"{endpoint}/toby-media/media/abc123/slide-01.jpg"
    )
    assert httpx.get(public.url("abc123", "slide-01.jpg")).content == slide.read_bytes()


def test_local_store_copies_into_its_root_and_names_the_url(tmp_path):
    source = tmp_path / "elsewhere.mp4"
    source.write_bytes(b"video")
    store = LocalMediaStore(tmp_path / "media", "http://127.0.0.1:8090/")
    assert store.put("k1", "reel.mp4", source) == "http://127.0.0.1:8090/k1/reel.mp4"
    assert (tmp_path / "media" / "k1" / "reel.mp4").read_bytes() == b"video"


def test_the_media_resource_hosts_on_s3(s3, tmp_path, monkeypatch):
    from toby_pipelines.resources.media import MediaResource

    endpoint, client = s3
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    resource = MediaResource(store="s3", bucket="toby-media", endpoint_url=endpoint, region="us-east-1")  # fmt: skip
    reel = tmp_path / "reel.mp4"
    reel.write_bytes(b"an mp4")
    url = resource.media_store().put("k9", "reel.mp4", reel)
    assert httpx.get(url).content == b"an mp4"
    assert (
        client.head_object(Bucket="toby-media", Key="media/k9/reel.mp4")["ContentType"]
        == "video/mp4"
    )
    with pytest.raises(ValueError, match="needs bucket"):
        MediaResource(store="s3").media_store()
