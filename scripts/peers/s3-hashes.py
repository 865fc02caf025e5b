#!/usr/bin/env python3
"""An independent S3 client (boto3) for the s3 sink tests: downloads every object of a bucket and prints one
JSON object, key -> {"sha256", "size", "etag"}, plus "uploads": the multipart uploads still open.

usage: s3-hashes.py ENDPOINT BUCKET ACCESS_KEY_ID SECRET
"""
import hashlib
import json
import sys

import boto3

endpoint, bucket, key_id, secret = sys.argv[1:5]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1",
                  aws_access_key_id=key_id, aws_secret_access_key=secret)
objects = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for item in page.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
        objects[item["Key"]] = {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body),
                                "etag": item["ETag"].strip('"')}
uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
print(json.dumps({"objects": objects, "uploads": [u["Key"] for u in uploads]}))
