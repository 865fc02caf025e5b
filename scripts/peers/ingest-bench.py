#!/usr/bin/env python3
"""`teslacam-ingest bench`'s client side, one phase per run: `--mode tus` has N simulated boards (threads) each
upload M files through tus + mTLS (tuspy) to an ingest instance; `--mode boto3` puts the same files straight into
the same S3 (the reference). The files are made once per work folder and shared by the phases. Prints one JSON
object of figures."""
import argparse, hashlib, json, os, resource, threading, time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=["tus", "boto3"], required=True); p.add_argument("--tag", default="run")
    p.add_argument("--url"); p.add_argument("--ca"); p.add_argument("--certs", help="folder with <device>.pem/.key")
    p.add_argument("--devices", type=int, required=True); p.add_argument("--files", type=int, default=2)
    p.add_argument("--size", type=int, default=16 << 20); p.add_argument("--chunk", type=int, default=8 << 20)
    p.add_argument("--work", required=True)
    p.add_argument("--endpoint"); p.add_argument("--bucket")
    a = p.parse_args()
    assert 1 <= a.devices <= 64 and 1 <= a.files <= 16 and a.size <= 256 << 20, "bounded: devices ≤ 64, files ≤ 16, size ≤ 256M"
    files = []
    for i in range(a.files):
        path = os.path.join(a.work, f"clip-{i}-{a.size}.mp4")
        if not os.path.exists(path):
            with open(path + ".part", "wb") as f:
                f.write(os.urandom(a.size))
            os.rename(path + ".part", path)
        files.append(path)
    digests = [hashlib.sha256(open(path, "rb").read()).hexdigest() for path in files]
    times, errors = [], []
    lock = threading.Lock()

    if a.mode == "tus":
        from tusclient import client as tus_client
        os.environ["REQUESTS_CA_BUNDLE"] = a.ca

        def board(n):
            device = f"bench-{n:02d}"
            client = tus_client.TusClient(a.url, client_cert=(f"{a.certs}/{device}.pem", f"{a.certs}/{device}.key"))
            for i, path in enumerate(files):
                meta = {"path": f"TeslaCam/SentryClips/{a.tag}/{i}-{n}.mp4", "kind": "sentry", "sha256": digests[i]}
                start = time.monotonic()
                try:
                    client.uploader(path, metadata=meta, chunk_size=a.chunk).upload()
                    with lock:
                        times.append(time.monotonic() - start)
                except Exception as error:
                    with lock:
                        errors.append(str(error))
        work = board
    else:
        import boto3
        s3 = boto3.client("s3", endpoint_url=a.endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")

        def direct(n):
            for i, path in enumerate(files):
                start = time.monotonic()
                try:
                    s3.upload_file(path, a.bucket, f"direct/{a.tag}/{n}/{i}.mp4")
                    with lock:
                        times.append(time.monotonic() - start)
                except Exception as error:
                    with lock:
                        errors.append(str(error))
        work = direct

    cpu = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(a.devices)]
    for t in threads: t.start()
    for t in threads: t.join()
    seconds = time.monotonic() - start
    used = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    total = a.devices * a.files * a.size

    def q(values, fraction):
        values = sorted(values)
        return round(values[min(len(values) - 1, int(fraction * len(values)))], 3) if values else None

    print(json.dumps({"mode": a.mode, "devices": a.devices, "files": a.devices * a.files, "bytes": total, "seconds": round(seconds, 3),
                      "done": len(times), "errors": errors[:3], "MiB_s": round(total / seconds / 2**20, 1),
                      "p50_s": q(times, 0.5), "p99_s": q(times, 0.99),
                      "client_cpu_s_per_GiB": round(client_cpu / (total / 2**30), 1)}))


if __name__ == "__main__":
    main()
