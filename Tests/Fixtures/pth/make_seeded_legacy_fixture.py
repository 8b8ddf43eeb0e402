#!/usr/bin/env python3
"""What fidviz's tests need of seeded-0-legacy.pth (95 MB, not in the repository), in 46 KB.

    python3 Tests/Fixtures/pth/make_seeded_legacy_fixture.py [path/to/seeded-0-legacy.pth]

The file is the team's torch.save (legacy format) of the seed-0 stand-in weights, laid out like
pytorch-fid's real weights (see ../shared/reference/README.md). Its values come from a formula
(Sources/_SeededWeights, seeded_weights.py), but its storage keys are the memory addresses of the
process that saved it, so no formula gives them. seeded-0-legacy.json records:

    bytes, fnv1a64            the whole file's size and FNV-1a 64 (16 hex digits)
    pickle_bytes,             the size and FNV-1a 64 of the five pickles before the storages
    pickles_fnv1a64           (magic, protocol, sys_info, the state dict, the storage key list)
    storages                  per state-dict key: [its storage key, the FNV-1a 64 of the raw
                              storage bytes that follow that storage's int64 element count]

so a test can write the file from the formula with the same storage keys and check that it is
torch.save's file byte for byte, and say which part differs when it is not. Python's pickle reads
the file here; torch is not needed.
"""

import io
import json
import pickle
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parents[3] / "shared" / "reference" / "seeded-0-legacy.pth"
MASK = (1 << 64) - 1


def fnv1a64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & MASK
    return f"{h:016x}"


class StateDictUnpickler(pickle.Unpickler):
    """Reads the state dict without torch: tensors become (storage type, storage key, numel)."""

    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, *rest: storage
        if (module, name) == ("collections", "OrderedDict"):
            return dict
        if module == "torch" and name.endswith("Storage"):
            return name
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        tag, storage_type, key, _device, numel = pid[:5]
        assert tag == "storage", pid
        return (storage_type, key, numel)


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    data = path.read_bytes()
    stream = io.BytesIO(data)
    magic = pickle.load(stream)
    assert magic == 0x1950A86A20F9469CFC6C, magic
    assert pickle.load(stream) == 1001
    pickle.load(stream)  # sys_info
    state = StateDictUnpickler(stream).load()
    storage_keys = pickle.load(stream)
    pickle_bytes = stream.tell()

    by_storage = {key: (name, storage_type, numel) for name, (storage_type, key, numel) in state.items()}
    assert len(by_storage) == len(state), "a storage is shared"
    storages = {}
    offset = pickle_bytes
    for key in storage_keys:
        name, storage_type, numel = by_storage[key]
        count = int.from_bytes(data[offset:offset + 8], "little")
        assert count == numel, (name, count, numel)
        size = numel * {"FloatStorage": 4, "LongStorage": 8}[storage_type]
        storages[name] = [key, fnv1a64(data[offset + 8:offset + 8 + size])]
        offset += 8 + size
    assert offset == len(data), (offset, len(data))

    head = {
        "source": "seeded-0-legacy.pth from the team's reference bundle (torch.save, legacy format, seed 0)",
        "bytes": len(data),
        "fnv1a64": fnv1a64(data),
        "pickle_bytes": pickle_bytes,
        "pickles_fnv1a64": fnv1a64(data[:pickle_bytes]),
    }
    lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    lines.append(' "storages": {')
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in sorted(storages.items())]
    lines[-1] = lines[-1].rstrip(",")
    (HERE / "seeded-0-legacy.json").write_text("{\n" + "\n".join(lines) + "\n }\n}\n")


if __name__ == "__main__":
    main()
