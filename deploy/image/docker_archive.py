#!/usr/bin/env python3
"""Wraps one layer tar as a docker-archive (the `docker save` form Jib takes as a tar:// base image).

Usage: docker_archive.py LAYER_TAR OUT_TAR SOURCE_DATE_EPOCH LIBTORCH_VERSION DJL_VERSION

Deterministic: the config's times are SOURCE_DATE_EPOCH, the archive's entries have fixed order, owner and
mtime, and JSON is written with sorted keys. Standard library only.
"""
import datetime
import hashlib
import io
import json
import sys
import tarfile


def main(layer_path, out_path, epoch, libtorch, djl):
    digest = hashlib.sha256()
    with open(layer_path, "rb") as layer:
        for block in iter(lambda: layer.read(1 << 20), b""):
            digest.update(block)
    diff_id = "sha256:" + digest.hexdigest()
    created = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {
            "Env": [
                "PATH=/opt/java/bin:/usr/bin:/bin",
                "JAVA_HOME=/opt/java",
                "LANG=C.UTF-8",
                "TZ=UTC",
            ],
            "User": "65532:65532",
            "WorkingDir": "/var/lib/fedmesh",
            "Labels": {
                "io.fedmesh.base": "debian bookworm (+updates, +security) extract, jlinked JRE, libtorch " + libtorch
                + " (DJL " + djl + ")",
            },
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": created, "created_by": "deploy/image/build-base.sh"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id[len("sha256:"):] + "/layer.tar"
    manifest = [{"Config": config_name, "RepoTags": ["fedmesh-base:latest"], "Layers": [layer_name]}]
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()

    def info(name, size):
        entry = tarfile.TarInfo(name)
        entry.size = size
        entry.mtime = int(epoch)
        entry.mode = 0o644
        entry.uid = entry.gid = 0
        entry.uname = entry.gname = ""
        return entry

    with tarfile.open(out_path, "w", format=tarfile.PAX_FORMAT) as out:
        out.addfile(info(config_name, len(config_bytes)), io.BytesIO(config_bytes))
        with open(layer_path, "rb") as layer:
            layer.seek(0, 2)
            size = layer.tell()
            layer.seek(0)
            out.addfile(info(layer_name, size), layer)
        out.addfile(info("manifest.json", len(manifest_bytes)), io.BytesIO(manifest_bytes))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
