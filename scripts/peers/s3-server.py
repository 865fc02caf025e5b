#!/usr/bin/env python3
"""moto's S3 on loopback for the s3 sink tests, with SigV4 authentication on from the first request.

INITIAL_NO_AUTH_ACTION_COUNT=0 makes every S3 request go through moto's IAM check: the access key must belong to
an IAM user, the signature is recomputed with botocore and compared, and the user's policy must allow the action.
The user, its key and policy are made through moto's backend directly (an HTTP call would itself need a key);
the bucket is then created over HTTP, signed with the new key. Prints one JSON line once ready:
{"port": ..., "accessKeyId": ..., "secretAccessKey": ..., "bucket": ...}

usage: s3-server.py BUCKET [PORT]
"""
import json
import os
import sys
import threading

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")

import boto3  # noqa: E402
from moto.core import DEFAULT_ACCOUNT_ID  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

bucket = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else 0

iam = iam_backends[DEFAULT_ACCOUNT_ID]["aws"]
try:
    iam.create_user(region_name="us-east-1", user_name="teslacam")
except TypeError:  # moto before 5.1 took no region
    iam.create_user(user_name="teslacam")
iam.put_user_policy("teslacam", "s3", json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}))
key = iam.create_access_key(user_name="teslacam")

server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
port = server._server.server_port

s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1",
                  aws_access_key_id=key.access_key_id, aws_secret_access_key=key.secret_access_key)
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
print(json.dumps({"port": port, "accessKeyId": key.access_key_id, "secretAccessKey": key.secret_access_key,
                  "bucket": bucket}), flush=True)
threading.Event().wait()  # until the test ends us
