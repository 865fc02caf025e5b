#!/usr/bin/env python3
"""`scripts/bench-ingest.sh`'s client side: N simulated boards (threads) each upload M files through tus + mTLS
(tuspy), then boto3 puts the same files straight into the same S3; prints one JSON object of figures."""
import argparse, hashlib, json, os, statistics, threading, time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True); p.add_argument("--ca", required=True)
    p.add_argument("--certs", required=True, help="folder with <device>.pem/.key")
    p.add_argument("--devices", type=int, required=True); p.add_argument("--files", type=int, default=2)
    p.add_argument("--size", type=int, default=16 << 20); p.add_argument("--work", required=True)
    p.add_argument("--endpoint", required=True); p.add_argument("--bucket", required=True)
    a = p.parse_args()
    assert 1 <= a.devices <= 64 and 1 <= a.files <= 16 and a.size <= 256 << 20, "bounded: devices ≤ 64, files ≤ 16, size ≤ 256M"
    from tusclient import client as tus_client
    import boto3
    os.environ["REQUESTS_CA_BUNDLE"] = a.ca
    files = []
    for i in range(a.files):
        path = os.path.join(a.work, f"clip-{i}.mp4")
        with open(path, "wb") as f:
            f.write(os.urandom(a.size))
        files.append(path)
    acks, errors = [], []
    lock = threading.Lock()

    def board(n):
        device = f"bench-{n:02d}"
        client = tus_client.TusClient(a.url, client_cert=(f"{a.certs}/{device}.pem", f"{a.certs}/{device}.key"))
        for i, path in enumerate(files):
            data = open(path, "rb").read()
            meta = {"path": f"TeslaCam/SentryClips/bench/{i}-{n}.mp4", "kind": "sentry", "sha256": hashlib.sha256(data).hexdigest()}
            start = time.monotonic()
            try:
                client.uploader(path, metadata=meta, chunk_size=8 << 20).upload()
                with lock:
                    acks.append(time.monotonic() - start)
            except Exception as error:
                with lock:
                    errors.append(str(error))

    start = time.monotonic()
    threads = [threading.Thread(target=board, args=(n,)) for n in range(a.devices)]
    for t in threads: t.start()
    for t in threads: t.join()
    tus_seconds = time.monotonic() - start
    s3 = boto3.client("s3", endpoint_url=a.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    puts = []

    def direct(n):
        for i, path in enumerate(files):
            t0 = time.monotonic()
            s3.upload_file(path, a.bucket, f"direct/{n}/{i}.mp4")
            with lock:
                puts.append(time.monotonic() - t0)

    start = time.monotonic()
    threads = [threading.Thread(target=direct, args=(n,)) for n in range(a.devices)]
    for t in threads: t.start()
    for t in threads: t.join()
    boto_seconds = time.monotonic() - start
    total = a.devices * a.files * a.size

    def q(values, fraction):
        values = sorted(values)
        return round(values[min(len(values) - 1, int(fraction * len(values)))], 3) if values else None

    print(json.dumps({"devices": a.devices, "files": a.devices * a.files, "bytes": total, "errors": errors[:3], "acked": len(acks),
                      "tus_MiB_s": round(total / tus_seconds / 2**20, 1), "ack_p50_s": q(acks, 0.5), "ack_p99_s": q(acks, 0.99),
                      "boto3_MiB_s": round(total / boto_seconds / 2**20, 1), "put_p50_s": q(puts, 0.5), "put_p99_s": q(puts, 0.99)}))


if __name__ == "__main__":
    main()
