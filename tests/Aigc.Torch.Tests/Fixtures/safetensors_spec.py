"""A safetensors reader and writer written from the format description alone (no library):
[u64 little-endian header length N][N bytes JSON header][data]; header entries carry dtype, shape
and data_offsets relative to the data section; "__metadata__" holds string pairs.
Used by make_fixtures.py (as the foreign writer) and by the C# tests (as the independent reader).
"""
import json
import struct
import sys

DTYPES = {"F32": ("f", 4), "F64": ("d", 8), "I64": ("q", 8), "I32": ("i", 4), "U8": ("B", 1), "BOOL": ("?", 1)}


def write(path, tensors, metadata=None):
    """tensors: name -> (dtype code, shape list, flat list of numbers)."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        code, shape, values = tensors[name]
        fmt, size = DTYPES[code]
        blob = struct.pack("<%d%s" % (len(values), fmt), *values)
        header[name] = {"dtype": code, "shape": list(shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    raw = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def read(path):
    """Returns (metadata, {name: (dtype code, shape, flat values)}); raises on any inconsistency."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    out, end_max = {}, 0
    for name, entry in header.items():
        fmt, size = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        count = 1
        for s in entry["shape"]:
            count *= s
        assert end - begin == count * size, name
        out[name] = (entry["dtype"], entry["shape"], list(struct.unpack("<%d%s" % (count, fmt), body[begin:end])))
        end_max = max(end_max, end)
    assert end_max == len(body), "data section not covered exactly"
    return metadata, out


if __name__ == "__main__":
    # Used by the tests: print a file's contents as JSON so C# can compare.
    meta, tensors = read(sys.argv[1])
    print(json.dumps({"metadata": meta, "tensors": {k: {"dtype": v[0], "shape": v[1], "values": v[2]} for k, v in tensors.items()}}))
