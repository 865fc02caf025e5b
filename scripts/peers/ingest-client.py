#!/usr/bin/env python3
"""The ingest tests' independent client side: tuspy (a tus client we did not write) uploading through mutual TLS,
raw HTTP requests for the malformed cases, a PATCH cut on purpose, and boto3 reading what landed in S3.
Each command prints one JSON object on stdout."""
import argparse, base64, hashlib, http.client, json, os, ssl, sys, time


def tls_context(args):
    context = ssl.create_default_context(cafile=args.ca)
    if args.cert:
        context.load_cert_chain(args.cert, args.key)
    return context


def metadata_header(pairs):
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" if v else k for k, v in pairs)


def cmd_upload(args):
    """tuspy: create (or resume `--resume URL`) and upload, optionally stopping after `--stop-at` bytes."""
    from tusclient import client as tus_client
    os.environ["REQUESTS_CA_BUNDLE"] = args.ca
    data = open(args.file, "rb").read()
    client = tus_client.TusClient(args.url, client_cert=(args.cert, args.key))
    metadata = {"path": args.path, "kind": args.kind, "sha256": hashlib.sha256(data).hexdigest()}
    for field in args.field or []:
        key, _, value = field.partition("=")
        metadata[key] = value
    uploader = client.uploader(args.file, url=args.resume, metadata=metadata, chunk_size=args.chunk,
                               retries=args.retries, retry_delay=1, upload_checksum=args.checksum)
    start = uploader.offset
    if args.alternate:
        # As a load balancer would: every PATCH to the other instance (same upload, same bucket and catalog).
        if not uploader.url:
            uploader.set_url(uploader.create_url())
            uploader.offset = 0
        path = uploader.url[uploader.url.index("/files/"):]
        bases = [args.url[:args.url.index("/files/")], args.alternate[:args.alternate.index("/files/")]]
        sent_to = []
        while uploader.offset < uploader.get_file_size():
            base = bases[len(sent_to) % 2]
            uploader.url = base + path
            sent_to.append(base)
            uploader.upload_chunk()
        print(json.dumps({"url": uploader.url, "startedAt": start, "offset": uploader.offset, "patches": sent_to}))
        return
    if args.stop_at:
        uploader.upload(stop_at=args.stop_at)
    else:
        uploader.upload()
    print(json.dumps({"url": uploader.url, "startedAt": start, "offset": uploader.offset}))


def cmd_request(args):
    """One raw request: method, path, headers, a body of `--body-size` bytes of `--body-byte` (or from a file)."""
    connection = http.client.HTTPSConnection(args.host, args.port, context=tls_context(args), timeout=60)
    headers = dict(h.split(":", 1) for h in args.header or [])
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    if args.body_file:
        with open(args.body_file, "rb") as f:
            f.seek(args.body_offset)
            body = f.read(args.body_length if args.body_length is not None else -1)
    else:
        body = bytes([args.body_byte]) * args.body_size
    try:
        connection.request(args.method, args.path, body=body if (body or args.method in ("PATCH", "POST")) else None, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        print(json.dumps({"status": response.status, "headers": {k.lower(): v for k, v in response.getheaders()}, "body": text}))
    except (ssl.SSLError, ConnectionError, OSError) as error:
        print(json.dumps({"status": 0, "headers": {}, "body": f"{type(error).__name__}: {error}"}))


def cmd_cut_patch(args):
    """A PATCH that declares `--length` bytes of the file from `--offset`, sends `--send` of them, says so on
    stdout, then waits (the test kills the server under it)."""
    data = open(args.file, "rb").read()[args.offset:args.offset + args.length]
    connection = http.client.HTTPSConnection(args.host, args.port, context=tls_context(args), timeout=60)
    connection.putrequest("PATCH", args.path)
    for name, value in [("Tus-Resumable", "1.0.0"), ("Content-Type", "application/offset+octet-stream"),
                        ("Upload-Offset", str(args.offset)), ("Content-Length", str(len(data)))]:
        connection.putheader(name, value)
    connection.endheaders()
    sent = 0
    while sent < args.send:
        piece = data[sent:min(args.send, sent + 65536)]
        connection.send(piece)
        sent += len(piece)
    print(json.dumps({"sent": sent}), flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin
        if args.rest:
            connection.send(data[sent:])
        response = connection.getresponse()
        print(json.dumps({"status": response.status, "offset": response.getheader("Upload-Offset")}), flush=True)
    except Exception as error:
        print(json.dumps({"status": 0, "error": str(error)}), flush=True)


def cmd_tcp_proxy(args):
    """A TCP relay on `--listen` to `--to` (both loopback): killing it is object storage going down while moto
    keeps what it holds; a new relay on the same port brings it back."""
    import asyncio

    async def pipe(reader, writer):
        try:
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def relay(reader, writer):
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", args.to)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    async def serve():
        server = await asyncio.start_server(relay, "127.0.0.1", args.listen, reuse_address=True)
        print(json.dumps({"listening": args.listen}), flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def s3(args):
    import boto3
    return boto3.client("s3", endpoint_url=args.endpoint, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def cmd_s3_bucket(args):
    s3(args).create_bucket(Bucket=args.bucket)
    print(json.dumps({"created": args.bucket}))


def cmd_s3_sha256(args):
    try:
        body = s3(args).get_object(Bucket=args.bucket, Key=args.key)["Body"].read()
        print(json.dumps({"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}))
    except Exception as error:
        print(json.dumps({"sha256": None, "error": str(error)}))


def cmd_s3_age(args):
    """Makes an upload's state object look `--seconds` old (as if its device went quiet that long ago)."""
    client = s3(args)
    state = json.loads(client.get_object(Bucket=args.bucket, Key=args.key)["Body"].read())
    state["updated"] -= args.seconds
    state["created"] -= args.seconds
    client.put_object(Bucket=args.bucket, Key=args.key, Body=json.dumps(state).encode())
    uploads = client.list_multipart_uploads(Bucket=args.bucket).get("Uploads", [])
    print(json.dumps({"aged": args.key, "multipartUploads": len(uploads)}))


def cmd_s3_list(args):
    client = s3(args)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=args.bucket).get("Contents", [])]
    uploads = client.list_multipart_uploads(Bucket=args.bucket).get("Uploads", [])
    print(json.dumps({"keys": keys, "multipartUploads": len(uploads)}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    def tls(p):
        p.add_argument("--ca", required=True)
        p.add_argument("--cert")
        p.add_argument("--key")
    up = sub.add_parser("upload"); tls(up)
    up.add_argument("--url", required=True); up.add_argument("--file", required=True)
    up.add_argument("--path", required=True); up.add_argument("--kind", default="sentry")
    up.add_argument("--field", action="append"); up.add_argument("--resume")
    up.add_argument("--chunk", type=int, default=4 << 20); up.add_argument("--stop-at", type=int)
    up.add_argument("--retries", type=int, default=0); up.add_argument("--checksum", action="store_true")
    up.add_argument("--alternate", help="a second instance's /files/ URL: PATCHes go to the two in turn")
    rq = sub.add_parser("request"); tls(rq)
    rq.add_argument("--host", default="localhost"); rq.add_argument("--port", type=int, required=True)
    rq.add_argument("--method", required=True); rq.add_argument("--path", required=True)
    rq.add_argument("--header", action="append"); rq.add_argument("--body-size", type=int, default=0)
    rq.add_argument("--body-byte", type=int, default=0x41); rq.add_argument("--body-file")
    rq.add_argument("--body-offset", type=int, default=0); rq.add_argument("--body-length", type=int)
    cp = sub.add_parser("cut-patch"); tls(cp)
    cp.add_argument("--host", default="localhost"); cp.add_argument("--port", type=int, required=True)
    cp.add_argument("--path", required=True); cp.add_argument("--file", required=True)
    cp.add_argument("--offset", type=int, required=True); cp.add_argument("--length", type=int, required=True)
    cp.add_argument("--send", type=int, required=True)
    cp.add_argument("--rest", action="store_true", help="once stdin closes, send the rest and read the answer")
    tp = sub.add_parser("tcp-proxy")
    tp.add_argument("--listen", type=int, required=True); tp.add_argument("--to", type=int, required=True)
    for name in ("s3-bucket", "s3-sha256", "s3-age", "s3-list"):
        p = sub.add_parser(name)
        p.add_argument("--endpoint", required=True); p.add_argument("--bucket", required=True)
        if name in ("s3-sha256", "s3-age"):
            p.add_argument("--key", required=True)
        if name == "s3-age":
            p.add_argument("--seconds", type=int, required=True)
    args = parser.parse_args()
    {"upload": cmd_upload, "request": cmd_request, "cut-patch": cmd_cut_patch, "tcp-proxy": cmd_tcp_proxy,
     "s3-bucket": cmd_s3_bucket, "s3-sha256": cmd_s3_sha256, "s3-age": cmd_s3_age, "s3-list": cmd_s3_list}[args.command](args)


if __name__ == "__main__":
    main()
