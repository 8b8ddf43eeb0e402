"""Dev-time generator for the NumpyFiles fixtures (tests never run it).

Usage: python3 make_npz_fixtures.py   (needs numpy)
The values are small and fixed so tests can spell them out.
"""
import io
import os
import struct
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def members():
    return {
        "f4": np.array([[1.5, -2.25, 3.0], [0.0, 1e-3, -7.0]], dtype="<f4"),
        "f8": np.array([np.pi, -0.0, 1e300, 5e-324], dtype="<f8"),
        "i8": np.array([0, -1, 2**62, -(2**63)], dtype="<i8"),
        "words": np.array(["alpha", "", "héllo ✓", "𝄞"]),  # <U7, includes a non-BMP scalar
        "scalar": np.array(2.5),  # 0-d float64
        "name": np.array("fidviz"),  # 0-d <U6
        "fortran": np.asfortranarray(np.arange(24, dtype="<f8").reshape(2, 3, 4)),
        "empty": np.zeros((0, 3), dtype="<f4"),
        "u1": np.array([0, 1, 255], dtype="|u1"),
        "i4": np.array([[-5, 7]], dtype="<i4"),
    }


def npy_bytes(array, version=None):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def npz_with(entries):
    """A stored zip (like np.savez, force_zip64) from raw .npy payloads."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, payload in entries.items():
            with z.open(name, "w", force_zip64=True) as f:
                f.write(payload)
    return buf.getvalue()


def main():
    np.savez(path("savez.npz"), **members())
    np.savez_compressed(path("savez_compressed.npz"), **members())
    with open(path("v2_0.npy"), "wb") as f:
        f.write(npy_bytes(np.array([1.0, 2.0, 3.0], dtype="<f8"), version=(2, 0)))
    with open(path("v3_0.npy"), "wb") as f:
        f.write(npy_bytes(np.array(["ß", "名前"]), version=(3, 0)))
    with open(path("fortran.npy"), "wb") as f:
        f.write(npy_bytes(np.asfortranarray(np.arange(6, dtype="<i8").reshape(2, 3))))
    np.savez(path("object.npz"), ok=np.arange(2.0), obj=np.array([{"a": 1}, None], dtype=object))

    whole = open(path("savez.npz"), "rb").read()
    with open(path("truncated.npz"), "wb") as f:
        f.write(whole[: len(whole) // 2])

    # A member whose header claims 2^40 float64 values but carries 16 bytes of data.
    header = npy_bytes(np.zeros(2, dtype="<f8"))
    lie = header.replace(b"'shape': (2,)", b"'shape': (1099511627776,)")
    assert lie != header
    lie = fix_header_length(lie)
    with open(path("huge_shape.npz"), "wb") as f:
        f.write(npz_with({"huge.npy": lie, "fine.npy": npy_bytes(np.arange(3.0))}))

    # Big-endian and structured dtypes: readable by numpy, refused by fidviz.
    with open(path("big_endian.npy"), "wb") as f:
        f.write(npy_bytes(np.array([1.0, 2.0], dtype=">f8")))
    with open(path("structured.npy"), "wb") as f:
        f.write(npy_bytes(np.zeros(2, dtype=[("x", "<f4"), ("y", "<i8")])))

    # Every zip64 structure: with the limits lowered, zipfile writes zip64 extras in the central
    # directory (sizes and offsets saturated at 0xFFFFFFFF) and a zip64 end record (count 0xFFFF).
    saved = (zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT)
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 100, 1
    try:
        np.savez(path("zip64_forced.npz"), a=np.arange(20.0), b=np.array(["x", "yz"]))
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = saved
    # Saturate the classic end record too, so readers must follow the zip64 locator.
    data = bytearray(open(path("zip64_forced.npz"), "rb").read())
    end = len(data) - 22
    data[end + 8:end + 20] = b"\xff" * 12  # entry counts, directory size and offset
    open(path("zip64_forced.npz"), "wb").write(bytes(data))

    # What np.save writes, byte for byte, so tests can compare Npy.encode's output exactly.
    exact = {
        "exact_f4_2d.npy": np.array([[1.5, -2.25, 3.0], [0.0, 1e-3, -7.0]], dtype="<f4"),
        "exact_words.npy": np.array(["alpha", "", "héllo ✓", "𝄞"]),
        "exact_name_0d.npy": np.array("fidviz"),
        "exact_n_0d.npy": np.array(50000, dtype="<i8"),
    }
    for name, array in exact.items():
        np.save(path(name), array)

    check()


def fix_header_length(npy):
    """Re-pads a version 1.0 .npy header after its dict text was edited in place."""
    header, data = npy[10:].split(b"\n", 1)
    header = header.rstrip(b" ")
    total = 10 + len(header) + 1
    padded = header + b" " * ((64 - total % 64) % 64) + b"\n"
    return npy[:8] + struct.pack("<H", len(padded)) + padded + data


def check():
    for name in ("savez.npz", "savez_compressed.npz"):
        with np.load(path(name)) as z:
            for key, value in members().items():
                assert z[key].dtype == value.dtype and np.array_equal(z[key], value), (name, key)
    print("fixtures written to", HERE)


if __name__ == "__main__":
    main()
